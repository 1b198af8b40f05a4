"""PyTorch peer for bench/text-variants.ts: DistilBERT-base-shaped classifier (plain torch, no
Transformers) with the SAME weights and token ids verde used, timed fp32 and after
torch.quantization.quantize_dynamic (nn.Linear -> qint8), batch 1 and 8.

Usage: /usr/bin/python3 bench/text-variants.py WORKDIR THREADS
WORKDIR holds weights.bin + weights.json (name -> offset, shape; float32) and ids-b<B>.bin (int64).
Prints READY + a JSON object (logits, state_dict sizes), then times one forward per stdin line.
"""
import json, math, os, sys, time, statistics
import torch
import torch.nn as nn
import torch.nn.functional as F

work, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
index = json.load(open(os.path.join(work, 'weights.json')))
blob = torch.from_numpy(__import__('numpy').fromfile(os.path.join(work, 'weights.bin'), dtype='float32'))
W = {k: blob[v['offset']:v['offset'] + math.prod(v['shape'])].reshape(v['shape']).clone() for k, v in index['tensors'].items()}
cfg = index['config']
D, H, L = cfg['dim'], cfg['heads'], cfg['layers']
dh = D // H


def linear(name):
    w = W[name + '.weight']
    m = nn.Linear(w.shape[1], w.shape[0])
    m.weight.data.copy_(w)
    m.bias.data.copy_(W[name + '.bias'])
    return m


class Block(nn.Module):
    def __init__(self, l):
        super().__init__()
        p = f'distilbert.transformer.layer.{l}.'
        self.q, self.k, self.v, self.o = (linear(p + 'attention.' + n) for n in ('q_lin', 'k_lin', 'v_lin', 'out_lin'))
        self.l1, self.l2 = linear(p + 'ffn.lin1'), linear(p + 'ffn.lin2')
        self.ln1, self.ln2 = nn.LayerNorm(D, eps=1e-12), nn.LayerNorm(D, eps=1e-12)
        for ln, n in ((self.ln1, 'sa_layer_norm'), (self.ln2, 'output_layer_norm')):
            ln.weight.data.copy_(W[p + n + '.weight']); ln.bias.data.copy_(W[p + n + '.bias'])

    def forward(self, x, mask):
        B, S, _ = x.shape
        split = lambda t: t.view(B, S, H, dh).transpose(1, 2)
        q, k, v = split(self.q(x)) / math.sqrt(dh), split(self.k(x)), split(self.v(x))
        s = (q @ k.transpose(2, 3)).masked_fill(~mask[:, None, None, :], torch.finfo(torch.float32).min)
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, S, D)
        x = self.ln1(self.o(ctx) + x)
        return self.ln2(self.l2(F.gelu(self.l1(x))) + x)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding.from_pretrained(W['distilbert.embeddings.word_embeddings.weight'])
        self.pos = nn.Embedding.from_pretrained(W['distilbert.embeddings.position_embeddings.weight'])
        self.ln = nn.LayerNorm(D, eps=1e-12)
        self.ln.weight.data.copy_(W['distilbert.embeddings.LayerNorm.weight']); self.ln.bias.data.copy_(W['distilbert.embeddings.LayerNorm.bias'])
        self.blocks = nn.ModuleList(Block(l) for l in range(L))
        self.pre, self.cls = linear('pre_classifier'), linear('classifier')

    def forward(self, ids, mask):
        x = self.ln(self.word(ids) + self.pos(torch.arange(ids.shape[1])))
        for b in self.blocks:
            x = b(x, mask)
        return self.cls(F.relu(self.pre(x[:, 0])))


model = Model().eval()
qmodel = torch.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
models = {'fp32': model, 'int8': qmodel}
inputs = {}
result = {'torch': torch.__version__, 'threads': threads, 'quantized_engine': torch.backends.quantized.engine, 'logits': {}}
with torch.inference_mode():
    for b in (1, 8):
        ids = torch.from_numpy(__import__('numpy').fromfile(os.path.join(work, f'ids-b{b}.bin'), dtype='int64')).view(b, -1)
        inputs[b] = (ids, torch.ones_like(ids, dtype=torch.bool))
        for name, m in models.items():
            result['logits'][f'{name}-{b}'] = m(*inputs[b]).flatten().tolist()
            m(*inputs[b])  # warm-up
import io
for name, m in models.items():
    buf = io.BytesIO(); torch.save(m.state_dict(), buf); result[f'{name}_state_dict_bytes'] = buf.tell()
print('READY ' + json.dumps(result), flush=True)
# Timing service: the TS side sends "<fp32|int8> <batch>" lines and alternates them with its own
# runs, so machine load affects every contender alike; each reply is one forward's seconds.
for line in sys.stdin:
    name, b = line.split()
    with torch.inference_mode():
        t = time.perf_counter(); models[name](*inputs[int(b)]); dt = time.perf_counter() - t
    print(dt, flush=True)
