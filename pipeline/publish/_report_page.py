"""The report's page: its screen and print stylesheets and the script sorting the key table."""

_CSS = """
body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;margin:0;color:#222;
background:#fff;line-height:1.45;font-size:15px}
header{background:#22435e;color:#fff;padding:1em 2em}
header h1{margin:.2em 0}
nav a{color:#fff;margin-right:1em}
main{max-width:1000px;margin:auto;padding:0 1.5em 3em}
h2{border-bottom:2px solid #22435e;padding-bottom:.2em;margin-top:2em;color:#22435e}
h3{color:#22435e;margin-bottom:.3em}
svg.map,svg.chart{max-width:100%;height:auto;display:block}
figure{margin:.8em 0}figcaption{font-size:.88em;color:#444;margin-top:.2em}
table{border-collapse:collapse;font-size:.86em;width:100%;margin:.4em 0}
th,td{border-bottom:1px solid #ddd;padding:.22em .45em;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#profiles th{cursor:pointer}
#profiles th.asc::after{content:" ▲"}#profiles th.desc::after{content:" ▼"}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff;font-size:.85em}
.badge.light{color:#222}
table.two{border:none;table-layout:fixed}
table.two>tbody>tr>td{border:none;padding:0 .6em 0 0;width:50%;vertical-align:top}
section.sr{border-top:2px solid #22435e;margin-top:2em}
section.sr h3{font-size:1.25em;margin-top:.5em}
table.facts td{border:none;padding:.1em .4em .1em 0}
table.facts td:first-child{color:#555;width:38%}table.facts td+td{font-weight:bold}
.note{font-size:.85em;color:#555}
table.chart{font-size:.8em;table-layout:fixed}
table.chart td{border:none;padding:1px 4px}
table.chart td.zl{text-align:right;width:48%}table.chart td.first{font-weight:bold}
table.chart .track{position:relative;height:11px}
table.chart .track i{position:absolute;top:-2px;bottom:-2px;border-left:1px solid #ddd}
table.chart .track i.zero{border-left-color:#555}
table.chart .bar{position:absolute;top:1px;height:9px}
table.chart .ticks{position:relative;height:1.2em;color:#444}
table.chart .ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
table.chart .axis{text-align:center;color:#444}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;
border:1px solid #777;margin-right:.3em}
"""

#: Print stylesheet of the PDF (A4, page numbers, a page break before each Steckbrief and
#: before its second page).
PRINT_CSS = """
@page{size:A4;margin:16mm 15mm 18mm 15mm;
@bottom-right{content:"Seite " counter(page) " von " counter(pages);font-size:8pt;color:#555;
font-family:'DejaVu Sans'}
@bottom-left{content:string(doctitle);font-size:8pt;color:#555;font-family:'DejaVu Sans'}}
@media print{
body{font-size:9.5pt;line-height:1.35}
header{background:none;color:#22435e;padding:0;border-bottom:2px solid #22435e}
header h1{string-set:doctitle content();font-size:20pt}
nav,.screen{display:none}
main{max-width:none;padding:0}
h2{break-before:page;margin-top:0;font-size:15pt}
h2#summary{break-before:avoid}
h3{break-after:avoid}
figure,tr,table.facts,svg{break-inside:avoid}
#overview svg,#inset svg,#type-map,#smoothing-map{max-height:160mm;width:auto;margin:auto}
figure.theme svg{max-height:100mm;width:auto}
table{font-size:8.2pt}
thead{display:table-header-group}
section.sr{break-before:page;border-top:none;margin-top:0}
section.sr .page2{break-before:page}
a{color:inherit;text-decoration:none}
}
"""

_JS = """
(function(){
  var table=document.getElementById('profiles');
  if(!table){return;}
  var heads=table.tHead.rows[0].cells;
  function sortBy(col,desc){
    var body=table.tBodies[0];
    var rows=Array.prototype.slice.call(body.rows);
    var idx=-1;
    for(var i=0;i<heads.length;i++){
      heads[i].classList.remove('asc','desc');
      if(heads[i].dataset.col===col){idx=i;}
    }
    if(idx<0){return;}
    var numeric=heads[idx].dataset.type==='num';
    rows.sort(function(a,b){
      var x=a.cells[idx].dataset.v, y=b.cells[idx].dataset.v;
      if(numeric){x=parseFloat(x);y=parseFloat(y);
        if(isNaN(x)){return 1;} if(isNaN(y)){return -1;}
        return desc? y-x : x-y;}
      return desc? y.localeCompare(x,'de') : x.localeCompare(y,'de');
    });
    rows.forEach(function(r){body.appendChild(r);});
    heads[idx].classList.add(desc?'desc':'asc');
    table.dataset.sorted=col+(desc?':desc':':asc');
  }
  for(var i=0;i<heads.length;i++){
    heads[i].addEventListener('click',function(){
      var d=this.classList.contains('asc');
      sortBy(this.dataset.col,d);
    });
  }
  var q=new URLSearchParams(window.location.search);
  if(q.get('sort')){sortBy(q.get('sort'),q.get('dir')==='desc');}
})();
"""

def _print_css(language: str) -> str:
    """The print stylesheet with the page footer in the report's language."""
    if language == "de":
        return PRINT_CSS
    return PRINT_CSS.replace('"Seite " counter(page) " von "', '"Page " counter(page) " of "')
