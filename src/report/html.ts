/**
 * The report as one self-contained HTML file: Apache ECharts (node_modules/echarts, inlined, SVG
 * renderer) draws the charts from the report's JSON embedded in the page; no network, no CDN.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './data.js';
import { esc, labelsHtml, summaryHtml, uneHtml, variantsTableHtml } from './html-parts.js';

let echartsSource: string | undefined;
function echarts(): string {
  if (echartsSource === undefined) {
    const require = createRequire(import.meta.url);
    echartsSource = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  }
  return echartsSource;
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#1b1b1b}
h1{margin:0 0 4px}h2{border-bottom:2px solid #00a651;padding-bottom:2px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#f1f5f1}.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th[data-col]{cursor:pointer}th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
tr.pareto td{font-weight:600}.label{display:inline-block;min-width:1.4em;text-align:center;color:#fff;font-weight:bold;border-radius:3px;padding:0 3px;text-shadow:0 0 2px #000}
.label.big{font-size:28px;min-width:1.6em;margin-right:8px}.badges{display:flex;flex-wrap:wrap;gap:10px}.badge{display:flex;align-items:center;border:1px solid #ccc;border-radius:6px;padding:6px 10px}
.chart{width:100%;height:380px}.modelled{background:#fdb913;border-radius:3px;padding:0 4px;font-size:12px}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}small{color:#555}`;

/** Client-side: charts from the embedded data, and the sortable table. */
const PAGE_SCRIPT = String.raw`(function(){
var d=JSON.parse(document.getElementById('verde-data').textContent);
var PH=['data','training','compression','evaluation','serving','other'];
var PC={data:'#4e79a7',training:'#f28e2b',compression:'#76b7b2',evaluation:'#59a14f',serving:'#edc948',other:'#bab0ac'};
function init(id,opt){var el=document.getElementById(id);var c=echarts.init(el,null,{renderer:'svg'});opt.animation=false;c.setOption(opt);window.addEventListener('resize',function(){c.resize();});}
var tasks=[];d.variants.forEach(function(v){if(tasks.indexOf(v.task)<0)tasks.push(v.task);});
var sc=[];tasks.forEach(function(t){
 var pts=d.variants.filter(function(v){return v.task===t&&v.quality!==null&&v.energyJPerInference!==null&&v.energyJPerInference>0;});
 sc.push({name:t,type:'scatter',symbolSize:11,data:pts.map(function(v){return {value:[v.energyJPerInference,v.quality],name:v.name+' ('+v.qualityMetric+')',itemStyle:{color:v.label?v.label.colour:'#888',borderColor:'#222'}};}),label:{show:true,position:'right',fontSize:10,formatter:function(p){return p.data.name.split(' (')[0];}}});
 var f=pts.filter(function(v){return v.pareto;}).sort(function(a,b){return a.energyJPerInference-b.energyJPerInference;});
 sc.push({name:t+' Pareto front',type:'line',step:'end',symbol:'diamond',symbolSize:7,lineStyle:{type:'dashed',width:2},data:f.map(function(v){return [v.energyJPerInference,v.quality];})});
});
init('chart-pareto',{tooltip:{trigger:'item',formatter:function(p){return p.data.name||'';}},legend:{top:0},grid:{left:60,right:120,top:40,bottom:50},
 xAxis:{type:'log',name:'J per inference (log)',nameLocation:'middle',nameGap:30},yAxis:{type:'value',name:'quality',scale:true},series:sc});
init('chart-phases',{tooltip:{trigger:'axis'},legend:{top:0},grid:{left:70,right:20,top:40,bottom:80},xAxis:{type:'category',data:d.phases.map(function(p){return p.label;}),axisLabel:{rotate:15,fontSize:10}},yAxis:{type:'value',name:'J'},
 series:PH.map(function(ph){return {name:ph,type:'bar',stack:'energy',itemStyle:{color:PC[ph]},data:d.phases.map(function(p){return p.byPhase[ph];})};})});
var gridNames=[];d.grids.forEach(function(g){g.grams.forEach(function(x){if(gridNames.indexOf(x.grid)<0)gridNames.push(x.grid);});});
init('chart-grids',{tooltip:{trigger:'axis'},legend:{top:0},grid:{left:70,right:20,top:40,bottom:80},xAxis:{type:'category',data:d.grids.map(function(g){return g.label;}),axisLabel:{rotate:15,fontSize:10}},yAxis:{type:'value',name:'gCO2e'},
 series:gridNames.map(function(n){return {name:n,type:'bar',data:d.grids.map(function(g){var x=g.grams.filter(function(y){return y.grid===n;})[0];return x?x.co2eGrams:null;})};})});
init('chart-trends',{tooltip:{trigger:'item',formatter:function(p){return p.seriesName+': '+p.value[1].toExponential(3)+' J';}},legend:{type:'scroll',top:0},grid:{left:70,right:20,top:50,bottom:40},xAxis:{type:'time'},yAxis:{type:'log',name:'J per inference'},
 series:d.trends.map(function(t){return {name:t.modelName,type:'line',symbolSize:8,data:t.points.map(function(p){return [p.startedAt,p.jPerInference];})};})});
var table=document.getElementById('variants-table');
Array.prototype.forEach.call(table.querySelectorAll('th[data-col]'),function(th,idx){th.addEventListener('click',function(){
 var asc=!th.classList.contains('asc');Array.prototype.forEach.call(table.querySelectorAll('th'),function(h){h.classList.remove('asc','desc');});th.classList.add(asc?'asc':'desc');
 var num=th.getAttribute('data-type')==='num';var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
 rows.sort(function(a,b){var x=a.cells[idx].getAttribute('data-v'),y=b.cells[idx].getAttribute('data-v');
  if(num){if(x===''&&y==='')return 0;if(x==='')return 1;if(y==='')return -1;return asc?x-y:y-x;}return asc?x.localeCompare(y):y.localeCompare(x);});
 rows.forEach(function(r){body.appendChild(r);});});});
document.body.setAttribute('data-rendered','true');
})();`;

export function reportHtml(d: ReportData): string {
  const title = `verde report — ${d.runs.map((r) => r.command).filter((c, i, a) => a.indexOf(c) === i).join(', ')}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head><body>
<h1>${esc(title)}</h1><p><small>Written ${esc(d.createdAt)} by verde from the run store. Every energy figure names its method: <code>measured:*</code> from hardware counters, <code>modelled:*</code> from verde's documented power model.</small></p>
${summaryHtml(d)}
${variantsTableHtml(d)}
<section id="pareto"><h2>Accuracy against energy per inference</h2><p>Quality is accuracy (PR-AUC for imbalanced tabular tasks); points coloured by energy label; the dashed line joins each task's Pareto front.</p><div class="chart" id="chart-pareto"></div></section>
<div class="grid2"><section id="phases"><h2>Energy by life-cycle phase</h2><div class="chart" id="chart-phases"></div></section>
<section id="grids"><h2>The same energy in other grids</h2><p><small>Our World in Data country intensities; world 475 g/kWh (IEA 2019). Guide §3.4.3: where a model runs changes its grams.</small></p><div class="chart" id="chart-grids"></div></section></div>
<section id="trends"><h2>Trends across runs (energy per inference by model name)</h2><div class="chart" id="chart-trends"></div></section>
${uneHtml(d)}
${labelsHtml(d)}
<script id="verde-data" type="application/json">${scriptJson(d)}</script>
<script>${echarts()}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
