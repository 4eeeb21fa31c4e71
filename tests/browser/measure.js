/* Run in the page by test_touch_targets_browser.py: every problem, as text. */
(() => {
  const out = [];
  const seen = new Set();
  const visible = el => {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth + 1;
  };
  const union = (a, b) => ({left: Math.min(a.left, b.left), right: Math.max(a.right, b.right),
    top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom)});
  const inRunningText = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, td, dd, div, span, small');
    if (!block) return false;
    const own = (el.textContent || '').trim().length;
    return (block.textContent || '').replace(/\s+/g, '').length > own + 2;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20) + '"';
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label.choice, label.nav-button';
  document.querySelectorAll(sel).forEach(el => {
    if (seen.has(el)) return;
    let box = el.getBoundingClientRect();
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      // The box and its label are one target (a tap on the label ticks the box).
      Array.from(el.labels).forEach(l => { seen.add(l); if (visible(l)) box = union(box, l.getBoundingClientRect()); });
      if (!visible(el) && !Array.from(el.labels).some(visible)) return;
    } else if (!visible(el)) {
      return;
    }
    if (el.closest('.skip') || inRunningText(el)) return;
    const w = box.right - box.left, h = box.bottom - box.top;
    if (w < 43.5 || h < 43.5) out.push(`target ${Math.round(w)}×${Math.round(h)}: ${name(el)}`);
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || small.has(el) || !visible(el) || el.closest('.sr, [hidden]')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 13.95) { small.add(el); out.push(`text ${size}px: ${name(el)}`); }
  }
  if (document.documentElement.scrollWidth > innerWidth + 1) out.push(`page ${document.documentElement.scrollWidth}px wide`);
  if (document.documentElement.lang !== 'zh-Hans') {
    document.querySelectorAll('.step-buttons, #draft-status, #sync-status, #sync-bar, .more-toggle').forEach(el => {
      if (/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/.test(el.textContent)) out.push(`Chinese from the script: ${name(el)}`);
    });
  }
  return out;
})
