/**
 * The loader's styles. Every size is set here in px rather than inherited: the host page's
 * fonts (huge, tiny, unset) reach a shadow tree through inheritance, nothing else does.
 * One rule a line, joined by the minifier into one string: line breaks would be bytes too.
 */
export const launcherCss =
  '.root{--accent:#3b5bdb;position:fixed;z-index:2147483000;right:20px;bottom:20px;display:flex;flex-direction:column;align-items:flex-end;gap:12px;font:14px/1.4 system-ui,sans-serif;color:#1f2937;letter-spacing:normal;text-align:left;direction:ltr}' +
  '.root.left{right:auto;left:20px;align-items:flex-start}' +
  '.launcher{all:initial;box-sizing:border-box;position:relative;width:56px;height:56px;border-radius:50%;background:var(--accent);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 6px 20px #00000038}' +
  '.launcher:focus-visible{outline:3px solid #111827;outline-offset:3px}' +
  '.launcher svg{width:26px;height:26px;fill:currentColor}' +
  '.x,.open .launcher path{display:none}' +
  '.open .launcher .x{display:inline;fill:none;stroke:currentColor;stroke-width:2.5}' +
  '.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#e03131;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}' +
  '@media (max-width:480px){.root.open .launcher{display:none}}'
