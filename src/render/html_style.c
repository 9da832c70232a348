/*
 * html_style.c — the report's inline stylesheet and its small optional
 * script. Colours come from custom properties with a dark variant
 * (prefers-color-scheme), so the page is readable in either; every
 * focusable element shows a visible focus ring. Chart lines take --c0..--c7:
 * Okabe-Ito hues, darker on the light theme and lighter on the dark one, so
 * each has a contrast of at least 3:1 against both the page and the card
 * background of its theme (WCAG 1.4.11; the browser test measures it).
 * The script only adds column sorting and the 'j'/'k' keys to move between
 * stage cards (the first link of each card's heading: its name); the page
 * is complete without it.
 */
#include "render/html_impl.h"

static const char CSS[] =
    ":root{--bg:#fff;--fg:#1b1b1b;--muted:#5c5c5c;--line:#d0d0d0;--card:#f6f6f6;"
    "--ok:#1a7f37;--warn:#9a6700;--bad:#c62828;--hl:#fff4cc;--hl2:#ffe0e0;--link:#0b5cad;"
    "--focus:#ff8c00;--c0:#0072b2;--c1:#d55e00;--c2:#008a63;--c3:#b5508f;--c4:#a36800;"
    "--c5:#3b8cc4;--c6:#4d4d4d;--c7:#7f7300}\n"
    "@media (prefers-color-scheme: dark){:root{--bg:#151515;--fg:#e8e8e8;--muted:#a8a8a8;"
    "--line:#3a3a3a;--card:#1f1f1f;--ok:#5fd47a;--warn:#e3b341;--bad:#ff7b72;--hl:#3a3210;"
    "--hl2:#4a1f1f;--link:#7ab8ff;--c0:#4ba3e3;--c1:#e8772e;--c2:#2bb88a;--c3:#d98cbb;"
    "--c4:#e69f00;--c5:#7fcbf5;--c6:#bdbdbd;--c7:#f0e442}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,"
    "-apple-system,'Segoe UI',Roboto,sans-serif}\n"
    "main{max-width:1180px;margin:0 auto;padding:0 20px 48px}\n"
    "a{color:var(--link)}\n"
    "a:focus-visible,button:focus-visible,tr:focus-visible,summary:focus-visible{"
    "outline:3px solid var(--focus);outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:8px}\n"
    ".skip:focus{left:8px}\n"
    "header{border-bottom:1px solid var(--line);padding:16px 20px;max-width:1180px;"
    "margin:0 auto}\n"
    "h1{font-size:1.5em;margin:0 0 4px}h2{margin-top:2em;border-bottom:1px solid var(--line)}\n"
    "nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}\n"
    ".muted{color:var(--muted)}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}\n"
    "pre{background:var(--card);padding:10px;overflow-x:auto;border-radius:4px}\n"
    ".counts{display:flex;gap:12px;flex-wrap:wrap;padding:0;list-style:none}\n"
    ".counts li{background:var(--card);padding:8px 14px;border-radius:6px}\n"
    ".counts b{font-size:1.4em;display:block}\n"
    ".alert{border-left:4px solid var(--bad);background:var(--hl2);padding:8px 12px}\n"
    ".tablewrap{overflow-x:auto;max-height:70vh;border:1px solid var(--line)}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;"
    "white-space:nowrap}\n"
    "th{position:sticky;top:0;background:var(--card)}\n"
    "th button{font:inherit;color:inherit;background:none;border:0;cursor:pointer;padding:0}\n"
    "td.name,th.name{text-align:left;white-space:normal;word-break:break-all}\n"
    "tr.first td{background:var(--hl)}tr.culprit td{background:var(--hl2)}\n"
    ".v0{color:var(--ok)}.v1{color:var(--warn)}.v2{color:var(--bad);font-weight:600}\n"
    ".badge{display:inline-block;font-size:11px;border:1px solid currentColor;"
    "border-radius:3px;padding:0 4px;margin-left:6px}\n"
    "svg.chart{width:100%;max-width:760px;height:auto;color:var(--fg);font-size:13px}\n"
    ".grid2 svg.chart{max-width:560px}\n"
    "svg .plot{fill:none;stroke:var(--line)}svg .grid{stroke:var(--line);stroke-width:.5}\n"
    "svg .zero{stroke:var(--muted);stroke-dasharray:4 3}\n"
    "svg text{fill:currentColor}svg .mark{stroke-width:1.5;stroke-dasharray:5 3}\n"
    "svg .m0{stroke:var(--warn)}svg .m1{stroke:var(--bad)}\n"
    "svg .s0{color:var(--c0)}svg .s1{color:var(--c1)}svg .s2{color:var(--c2)}"
    "svg .s3{color:var(--c3)}svg .s4{color:var(--c4)}svg .s5{color:var(--c5)}"
    "svg .s6{color:var(--c6)}svg .s7{color:var(--c7)}svg .legend-item text{fill:var(--fg)}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:6px;"
    "padding:4px 16px 16px;margin:16px 0}\n"
    ".card img{max-width:100%;height:auto;image-rendering:pixelated;background:#fff}\n"
    ".grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px}\n";

static const char JS[] =
    "(function(){\n"
    "function num(td){var v=td.getAttribute('data-value');"
    "if(v===null)return td.textContent;var x=parseFloat(v);return isNaN(x)?-Infinity:x;}\n"
    "document.querySelectorAll('table.sortable').forEach(function(t){\n"
    " t.querySelectorAll('th').forEach(function(th,col){\n"
    "  var b=th.querySelector('button');if(!b)return;var asc=true;\n"
    "  b.addEventListener('click',function(){var tb=t.tBodies[0];"
    "var rows=Array.prototype.slice.call(tb.rows);\n"
    "   rows.sort(function(x,y){var a=num(x.cells[col]),c=num(y.cells[col]);"
    "if(a<c)return asc?-1:1;if(a>c)return asc?1:-1;return 0;});\n"
    "   rows.forEach(function(r){tb.appendChild(r);});"
    "th.setAttribute('aria-sort',asc?'ascending':'descending');asc=!asc;});\n"
    " });\n"
    "});\n"
    "var cards=Array.prototype.slice.call(document.querySelectorAll('.card h3 > a:first-child'));\n"
    "var at=-1;document.addEventListener('keydown',function(e){\n"
    " if(!cards.length||e.target.tagName==='INPUT'||e.ctrlKey||e.metaKey||e.altKey)return;\n"
    " if(e.key==='j')at=Math.min(at+1,cards.length-1);"
    "else if(e.key==='k')at=Math.max(at-1,0);else return;\n"
    " cards[at].focus();});\n"
    "})();\n";

void parity__html_style(parity_buf *b) { parity__buf_puts(b, CSS); }

void parity__html_script(parity_buf *b) { parity__buf_puts(b, JS); }
