"""PyTorch peer for bench/train-step.ts: the same DistilBERT-base-shaped classifier, timed the same way.

Started once by bench/train-step.ts with the same thread count and kept alive: it reads one command a
line on stdin ("train", "fwd <batch>", "quit") and answers each with one JSON line on stdout, so the
caller can alternate verde and PyTorch rounds (a load swing on a shared machine then hits both).
Usage: /usr/bin/python3 bench/train-step-torch.py --threads 2 --batch 8 --seq 128 --layers 6 --lr 5e-5 --clip 1.0
(the caller passes verde's fine-tuning learning rate and gradient-norm clipping, as Hugging Face's Trainer
clips by default).
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """DistilBERT TransformerBlock (post-LayerNorm, erf GELU), Hugging Face layout."""

    def __init__(self, dim, heads, hidden, p):
        super().__init__()
        self.heads = heads
        self.q_lin = nn.Linear(dim, dim)
        self.k_lin = nn.Linear(dim, dim)
        self.v_lin = nn.Linear(dim, dim)
        self.out_lin = nn.Linear(dim, dim)
        self.sa_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)
        self.output_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.attn_drop = nn.Dropout(p)

    def forward(self, x, mask_bias):
        b, s, d = x.shape
        dh = d // self.heads

        def split(t):
            return t.view(b, s, self.heads, dh).transpose(1, 2)

        q = split(self.q_lin(x)) / math.sqrt(dh)
        k = split(self.k_lin(x))
        v = split(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3)) + mask_bias
        probs = self.attn_drop(F.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, d)
        h = self.sa_layer_norm(self.out_lin(ctx) + x)
        ff = self.drop(self.lin2(F.gelu(self.lin1(h))))
        return self.output_layer_norm(ff + h)


class Classifier(nn.Module):
    def __init__(self, vocab=30522, dim=768, heads=12, hidden=3072, layers=6, max_pos=512, labels=2, p=0.1):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, dim)
        self.position_embeddings = nn.Embedding(max_pos, dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList([Block(dim, heads, hidden, p) for _ in range(layers)])
        self.pre_classifier = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, labels)
        self.cls_drop = nn.Dropout(0.2)

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.drop(self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos)))
        bias = ((1.0 - mask[:, None, None, :].float()) * -1e9)
        for layer in self.layers:
            x = layer(x, bias)
        return self.classifier(self.cls_drop(F.relu(self.pre_classifier(x[:, 0]))))


def batch(n, seq, g):
    ids = torch.randint(0, 30522, (n, seq), generator=g)
    mask = torch.ones(n, seq, dtype=torch.long)
    mask[:, seq - seq // 8 :] = 0  # some padding, as in bench/train-step.ts
    labels = torch.randint(0, 2, (n,), generator=g)
    return ids, mask, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--clip", type=float, default=1.0, help="max gradient norm (0: no clipping)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    model = Classifier(layers=a.layers)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    ids, mask, labels = batch(a.batch, a.seq, g)
    fwd_batches = {}
    loss = None

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "params": sum(p.numel() for p in model.parameters())})
    # one command per line, one JSON reply per command, so the caller can interleave its own rounds
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "train":
            model.train()
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(ids, mask), labels)
            loss.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            reply({"s": time.perf_counter() - t0, "loss": float(loss)})
        elif cmd[0] == "fwd":
            b = int(cmd[1])
            if b not in fwd_batches:
                fwd_batches[b] = batch(b, a.seq, g)
            bi, bm, _ = fwd_batches[b]
            model.eval()
            with torch.inference_mode():
                t0 = time.perf_counter()
                model(bi, bm)
                reply({"s": time.perf_counter() - t0})
        elif cmd[0] == "quit":
            reply({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return
        else:
            reply({"error": f"unknown command {cmd[0]}"})


if __name__ == "__main__":
    main()
