/** Styles of search, canned responses, transcript downloads and older closed chats, adopted with the console's own. */
export const searchCss = `
.search-page{max-width:880px;width:100%;margin:0 auto}
.search-form{margin:0 0 8px}
.search-field{width:100%;padding:11px 14px;border:1px solid var(--line);border-radius:8px;background:#fff;font-size:15px}
.search-field:focus{border-color:var(--accent);outline:none;box-shadow:0 0 0 3px var(--accent-soft)}
.search-status{margin:0 0 12px;min-height:20px;font-size:13px;color:var(--muted)}
.search-hits{list-style:none;margin:0;padding:0;background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow:hidden}
.search-hits.is-stale{opacity:.6}
.search-hits li+li{border-top:1px solid #f0f1f5}
.search-hit{width:100%;display:flex;gap:12px;align-items:flex-start;text-align:left;background:none;border:0;padding:12px 16px}
.search-hit:hover{background:#f8f9fc}
.hit-main{flex:1;min-width:0;display:flex;flex-direction:column;gap:3px}
.hit-top{display:flex;align-items:center;gap:8px;min-width:0}
.hit-visitor{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.hit-site{flex:none;background:#eef0f5;color:var(--muted);border-radius:999px;padding:0 8px;font-size:11px;line-height:18px;font-weight:600}
.hit-note{flex:none;background:#fff7d6;color:#8a6d00;border:1px solid #f0d77a;border-radius:999px;padding:0 7px;font-size:11px;line-height:16px;font-weight:600}
.hit-date{margin-left:auto;flex:none;font-size:12px;color:var(--muted)}
.hit-snippet{color:var(--ink);font-size:13px;overflow-wrap:anywhere}
.hit-author{color:var(--muted)}
.hit-snippet mark{background:#ffe8a3;color:inherit;border-radius:3px;padding:0 1px}

.composer{position:relative}
.canned-menu{position:absolute;left:20px;right:20px;bottom:calc(100% - 6px);z-index:5;list-style:none;margin:0;padding:4px;max-height:260px;overflow-y:auto;background:var(--panel);border:1px solid var(--line);border-radius:8px;box-shadow:0 8px 24px rgba(31,36,51,.14)}
.canned-option{display:flex;gap:12px;align-items:baseline;padding:7px 10px;border-radius:6px;cursor:pointer}
.canned-option[aria-selected=true]{background:var(--accent-soft)}
.canned-shortcut{flex:none;font-weight:600;color:var(--accent)}
.canned-text{flex:1;min-width:0;color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}

.download{position:relative}
.download summary{list-style:none;display:flex;align-items:center;cursor:pointer}
.download summary::-webkit-details-marker{display:none}
.download-button{padding:7px 9px}
.download-button svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.download[open] .download-button{border-color:var(--accent);color:var(--accent)}
.download-panel{position:absolute;right:0;top:calc(100% + 4px);z-index:5;min-width:220px;padding:4px;background:var(--panel);border:1px solid var(--line);border-radius:8px;box-shadow:0 8px 24px rgba(31,36,51,.14)}
.download-title{margin:0;padding:6px 10px 4px;white-space:nowrap;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.download-menu{list-style:none;margin:0;padding:0}
.download-menu a{display:block;padding:7px 10px;border-radius:6px;color:var(--ink);text-decoration:none;white-space:nowrap}
.download-menu a:hover,.download-menu a:focus-visible{background:var(--accent-soft)}

.rows-more{padding:12px 16px;text-align:center}
.rows-error{margin:0 0 8px;font-size:12px;color:var(--danger)}
@media (max-width:899.98px){
.canned-menu{left:14px;right:14px}
.hit-top{flex-wrap:wrap}
}
`
