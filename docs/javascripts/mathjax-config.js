// MathJax 2 configuration, read by assets/mathjax/MathJax.js (copied from the
// jupyter-server-mathjax package at build time: nothing is fetched from outside the site).
// Typeset the arithmatex spans of the Markdown pages (\( \) and \[ \]) and the $ / $$ maths
// of the tutorials' Markdown cells; leave everything else (code, prose with a $) alone.
window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js", "Safe.js"],
  tex2jax: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    // The page's parts are skipped but for the arithmatex spans and the tutorials' Markdown
    // cells (whose children are then scanned: a class matching "" here would skip them too).
    ignoreClass: "md-typeset|md-header|md-sidebar|md-footer",
    processClass: "arithmatex|jp-RenderedMarkdown"
  },
  MMLorHTML: { prefer: "HTML" },   // HTML-CSS with the shipped STIX-Web fonts, never native MathML
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null },
  messageStyle: "none",
  showMathMenu: false
};
