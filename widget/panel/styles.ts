/**
 * The chat panel's styles, adopted into the widget's shadow root (a <style> tag or a style
 * attribute would be refused under a strict `style-src 'self'`).
 *
 * Page CSS cannot match anything in the shadow tree, but inherited properties still flow in
 * from the host element: a page with huge fonts, `* { all: unset }` or `text-transform` on
 * `body` would reach us that way. So every font and size is set here, in px, and inherited
 * text properties are reset on the panel. The accent colour is `--accent`, set by the loader
 * on `.root`.
 */
const fonts = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'

export const panelCss = `
.panel{position:relative;display:flex;flex-direction:column;width:370px;height:560px;max-height:calc(100vh - 108px);overflow:hidden;background:#fff;color:#1f2937;border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.18),0 2px 8px rgba(0,0,0,.08);font:400 14px/1.45 ${fonts};letter-spacing:normal;word-spacing:normal;text-transform:none;text-indent:0;text-shadow:none;text-align:left;white-space:normal;visibility:visible;cursor:auto;direction:ltr;animation:parley-in .18s ease-out}
.panel[hidden]{display:none}
.panel *{box-sizing:border-box}
.panel :focus-visible{outline:2px solid var(--accent);outline-offset:2px}
@keyframes parley-in{from{opacity:0;transform:translateY(8px)}}
@media (prefers-reduced-motion:reduce){.panel{animation:none}}

.header{flex:none;display:flex;align-items:center;gap:8px;min-height:64px;padding:12px 12px 12px 20px;background:var(--accent);color:#fff}
.title{flex:1;min-width:0;margin:0;font:600 16px/1.3 ${fonts};overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.close{flex:none;display:flex;align-items:center;justify-content:center;width:36px;height:36px;margin:0;padding:0;border:0;border-radius:8px;background:transparent;color:inherit;cursor:pointer}
.close:hover{background:rgba(255,255,255,.16)}
.close:focus-visible{outline-color:#fff;outline-offset:-2px}
.close svg,.send svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}

.banners{flex:none}
.banner{margin:0;padding:8px 16px;font:400 13px/1.4 ${fonts};background:#fff4e6;color:#8a4b08;border-bottom:1px solid #ffe1bf}
.banner.offline{background:#fff0f0;color:#a51d1d;border-bottom-color:#ffd0d0}

.messages{flex:1;min-height:0;display:flex;flex-direction:column;gap:8px;padding:16px;overflow-y:auto;overscroll-behavior:contain;background:#fff}
.older{align-self:center;margin:0 0 8px;padding:4px 12px;border:1px solid #e5e7eb;border-radius:14px;background:#fff;color:#4b5563;font:400 12px/1.4 ${fonts};cursor:pointer}
.older:hover{background:#f8f9fa}

.message{display:flex;flex-direction:column;align-items:flex-start;max-width:80%}
.message.visitor{align-self:flex-end;align-items:flex-end}
.message.system{align-self:center;align-items:center;max-width:90%;text-align:center}
.author{margin:0 0 2px 4px;font:600 12px/1.3 ${fonts};color:#6b7280}
.bubble{margin:0;padding:8px 12px;border-radius:16px 16px 16px 4px;background:#f1f3f5;color:#1f2937;font:400 14px/1.45 ${fonts};white-space:pre-wrap;overflow-wrap:anywhere}
.visitor .bubble{border-radius:16px 16px 4px 16px;background:var(--accent);color:#fff}
.visitor.failed .bubble{opacity:.6}
.system .bubble{padding:0;background:none;color:#6b7280;font:400 12px/1.4 ${fonts}}
.bubble a{color:inherit;text-decoration:underline}
.meta{margin:2px 4px 0;font:400 11px/1.3 ${fonts};color:#9ca3af}
.failed .meta{color:#c92a2a}
.typing{align-self:flex-start;margin:0 4px;font:italic 400 12px/1.4 ${fonts};color:#6b7280}

.composer{flex:none;display:flex;align-items:flex-end;gap:8px;padding:12px;border-top:1px solid #e5e7eb;background:#fff}
.field{flex:1;min-width:0;display:block;width:100%;min-height:44px;max-height:120px;margin:0;padding:11px 16px;border:1px solid #d1d5db;border-radius:22px;background:#fff;color:#1f2937;font:400 16px/20px ${fonts};resize:none;overflow-y:auto}
.field::placeholder{color:#9ca3af;opacity:1}
.field:focus{outline:none;border-color:var(--accent);box-shadow:0 0 0 1px var(--accent)}
.field:focus-visible{outline:none}
.send{flex:none;display:flex;align-items:center;justify-content:center;width:44px;height:44px;margin:0;padding:0;border:0;border-radius:50%;background:var(--accent);color:#fff;cursor:pointer}
.send:hover{filter:brightness(1.08)}

.away{flex:1;min-height:0;display:flex;flex-direction:column;gap:12px;margin:0;padding:20px;overflow-y:auto;overscroll-behavior:contain}
.away p{margin:0;color:#374151}
.away label{display:flex;flex-direction:column;gap:4px;font:600 13px/1.3 ${fonts};color:#374151}
.away .field{border-radius:10px}
.away textarea.field{min-height:96px}
.submit{align-self:flex-end;margin:0;padding:10px 20px;border:0;border-radius:22px;background:var(--accent);color:#fff;font:600 14px/1.4 ${fonts};cursor:pointer}

.sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}

@media (max-width:480px){.panel{position:fixed;top:0;right:0;bottom:0;left:0;width:auto;height:auto;max-height:none;border-radius:0;box-shadow:none}}
`
