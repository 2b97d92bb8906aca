/** The console's stylesheet, adopted by index.tsx. Laid out for a desktop window first; below 900px (tablets), one column. */
export const consoleCss = `
*,*::before,*::after{box-sizing:border-box}
:root{--ink:#1f2433;--muted:#6b7285;--line:#e4e7ee;--bg:#f5f6fa;--panel:#fff;--accent:#3b5bdb;--accent-soft:#edf1ff;--danger:#c92a2a;--ok:#2b8a3e;--warn:#e67700;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0;height:100vh;overflow:hidden}
button,input,select,textarea{font:inherit;color:inherit}
button{cursor:pointer}
button:disabled{cursor:default;opacity:.55}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.primary,.secondary,.danger,.ghost{border-radius:6px;padding:7px 14px;border:1px solid transparent;font-weight:600;white-space:nowrap}
.primary{background:var(--accent);color:#fff}
.primary:hover:not(:disabled){background:#2f4ac0}
.secondary{background:#fff;border-color:var(--line)}
.secondary:hover:not(:disabled){border-color:#c6cbd8}
.danger{background:#fff;border-color:#f0c4c4;color:var(--danger)}
.danger:hover{background:#fff5f5}
.ghost{background:transparent;color:var(--muted);font-weight:500}
.ghost:hover{color:var(--ink);background:#f0f2f7}
.link{background:none;border:0;color:inherit;text-decoration:underline;margin-left:12px;padding:0}
.brand{display:flex;align-items:center;gap:8px;font-weight:700;font-size:16px}
.logo{display:inline-grid;place-items:center;width:26px;height:26px;border-radius:7px;background:var(--accent);color:#fff;font-size:14px}
.loading{height:100vh}

.signin{height:100vh;display:grid;place-items:center;padding:24px}
.signin-card{width:360px;background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:32px;box-shadow:0 8px 30px rgba(31,36,51,.08);display:flex;flex-direction:column;gap:16px}
.signin-card h1{font-size:18px;margin:4px 0 4px;font-weight:600}
.signin-card label{display:flex;flex-direction:column;gap:6px;font-weight:600;font-size:13px}
.signin-card input{font-weight:400;padding:9px 11px;border:1px solid var(--line);border-radius:6px;background:#fff}
.signin-card input:focus{border-color:var(--accent);outline:none;box-shadow:0 0 0 3px var(--accent-soft)}
.signin-card .primary{padding:10px}
.form-error{margin:0;padding:9px 11px;border-radius:6px;background:#fff5f5;color:var(--danger);border:1px solid #f0c4c4;font-size:13px}

.workspace{height:100vh;display:flex;flex-direction:column}
.topbar{height:52px;flex:none;display:flex;align-items:center;gap:16px;padding:0 16px;background:var(--panel);border-bottom:1px solid var(--line)}
.connection{font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.connection::before{content:"";width:7px;height:7px;border-radius:50%;background:var(--warn)}
.connection.is-online::before{background:var(--ok)}
.connection.is-offline::before{background:var(--danger)}
.topbar-right{margin-left:auto;display:flex;align-items:center;gap:12px}
.screens{display:flex;gap:2px;align-self:stretch}
.screen-link{display:flex;align-items:center;padding:0 12px;color:var(--muted);text-decoration:none;font-weight:600;border-bottom:2px solid transparent}
.screen-link:hover{color:var(--ink)}
.screen-link[aria-current=page]{color:var(--accent);border-bottom-color:var(--accent)}
.page{flex:1;overflow-y:auto;padding:24px 32px}
.page h1{font-size:20px;margin:0 0 16px}
.me{font-weight:600}
.presence{display:flex;align-items:center;gap:7px;border:1px solid var(--line);background:#fff;border-radius:999px;padding:5px 12px;font-weight:600;font-size:13px}
.presence .dot{width:8px;height:8px;border-radius:50%;background:var(--ok)}
.presence.is-away .dot{background:var(--warn)}
.columns{flex:1;display:flex;min-height:0}

.inbox{width:340px;flex:none;display:flex;flex-direction:column;background:var(--panel);border-right:1px solid var(--line);min-height:0}
.tabs{display:flex;border-bottom:1px solid var(--line);padding:0 4px}
.tab{flex:1;white-space:nowrap;background:none;border:0;border-bottom:2px solid transparent;padding:12px 4px 10px;color:var(--muted);font-weight:600;font-size:13px;display:flex;justify-content:center;align-items:center;gap:6px}
.tab[aria-selected=true]{color:var(--accent);border-bottom-color:var(--accent)}
.tab-count{background:#eef0f5;color:var(--muted);border-radius:999px;padding:0 7px;font-size:11px;line-height:18px}
.tab[aria-selected=true] .tab-count{background:var(--accent-soft);color:var(--accent)}
.rows{list-style:none;margin:0;padding:0;overflow-y:auto;flex:1}
.rows-empty{padding:32px 16px;text-align:center;color:var(--muted)}
.row{width:100%;display:flex;gap:12px;align-items:flex-start;text-align:left;background:none;border:0;border-bottom:1px solid #f0f1f5;padding:12px 16px}
.row:hover{background:#f8f9fc}
.row.is-selected{background:var(--accent-soft);box-shadow:inset 3px 0 var(--accent)}
.avatar{flex:none;width:34px;height:34px;border-radius:50%;background:#dfe5fb;color:var(--accent);display:grid;place-items:center;font-weight:700}
.row-main{flex:1;min-width:0;display:flex;flex-direction:column;gap:2px}
.row-top,.row-bottom{display:flex;align-items:center;gap:8px}
.row-name{flex:1;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.waiting{font-size:12px;color:var(--warn);font-weight:600}
.row-last{flex:1;color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:13px}
.row.is-unread .row-last{color:var(--ink)}
.row-meta{font-size:12px;color:var(--muted)}
.shortcuts{flex:none;margin:0;padding:8px 16px;border-top:1px solid var(--line);font-size:11px;color:var(--muted)}
.badge{background:var(--accent);color:#fff;border-radius:999px;min-width:20px;padding:0 6px;font-size:11px;line-height:20px;text-align:center;font-weight:700}

.empty-view{flex:1;display:grid;place-items:center;color:var(--muted)}
.conversation{flex:1;display:flex;flex-direction:column;min-width:0;background:var(--bg)}
.conv-header{flex:none;display:flex;align-items:center;justify-content:space-between;gap:16px;padding:12px 20px;background:var(--panel);border-bottom:1px solid var(--line)}
.conv-title{flex:1;min-width:0}
.back{display:none}
.conv-header h2{margin:0;font-size:16px}
.conv-sub{margin:2px 0 0;display:flex;gap:10px;align-items:center;color:var(--muted);font-size:12px;min-width:0}
.conv-sub>*{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;min-width:0}
.conv-sub>.status-pill{flex:none}
.status-pill{border-radius:999px;padding:1px 8px;font-weight:600;font-size:11px;background:#eef0f5}
.status-pill.is-queued{background:#fff4e6;color:var(--warn)}
.status-pill.is-assigned{background:#ebfbee;color:var(--ok)}
.conv-actions{display:flex;gap:8px;align-items:center}
.transfer{display:flex;gap:6px}
.transfer select{border:1px solid var(--line);border-radius:6px;padding:6px 8px;background:#fff;max-width:180px}
.messages{flex:1;overflow-y:auto;padding:20px 24px;display:flex;flex-direction:column;gap:10px}
.load-earlier{align-self:center;background:#fff;border:1px solid var(--line);border-radius:999px;padding:4px 14px;font-size:12px;color:var(--muted)}
.system-event{align-self:center;margin:4px 0;font-size:12px;color:var(--muted);background:#eceef4;border-radius:999px;padding:3px 12px}
.message{max-width:68%;display:flex;flex-direction:column;gap:3px}
.message.from-visitor{align-self:flex-start}
.message.from-agent{align-self:flex-end;align-items:flex-end}
.bubble{padding:9px 13px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.from-visitor .bubble{background:#fff;border:1px solid var(--line);border-bottom-left-radius:4px}
.from-agent .bubble{background:var(--accent);color:#fff;border-bottom-right-radius:4px}
.is-pending .bubble{opacity:.7}
.is-note .bubble{background:#fff7d6;color:#5c4400;border:1px solid #f0d77a}
.note-label{display:block;font-size:11px;font-weight:600;color:#8a6d00;margin:0 2px 2px;text-transform:uppercase;letter-spacing:.04em}
.composer.is-note textarea{background:#fffbea;border-color:#f0d77a}
.note-toggle{display:flex;align-items:center;gap:6px;font-size:13px;color:var(--muted,#6b7280);cursor:pointer;margin-right:auto;margin-left:0}
.note-toggle input{margin:0}
.is-failed .bubble{background:#fff5f5;color:var(--danger);border:1px solid #f0c4c4}
.message-meta{font-size:11px;color:var(--muted)}
.receipt{color:var(--ok)}
.typing{margin:0;font-size:12px;color:var(--muted);font-style:italic}
.composer{flex:none;background:var(--panel);border-top:1px solid var(--line);padding:12px 20px}
.composer textarea{width:100%;resize:none;border:1px solid var(--line);border-radius:8px;padding:9px 11px;min-height:44px;display:block}
.composer textarea:focus{border-color:var(--accent);outline:none;box-shadow:0 0 0 3px var(--accent-soft)}
.composer-bar{display:flex;justify-content:space-between;align-items:center;gap:12px;margin-top:8px}
.hint{font-size:12px;color:var(--muted)}
.closed-note{flex:none;margin:0;padding:16px 20px;background:var(--panel);border-top:1px solid var(--line);color:var(--muted);text-align:center}
.toast{position:fixed;bottom:20px;left:50%;transform:translateX(-50%);background:var(--ink);color:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 8px 24px rgba(0,0,0,.2)}
@media (max-width:1099.98px){
.conv-header{flex-wrap:wrap;row-gap:8px}
.conv-title{flex:1 1 240px}
.topbar{gap:10px;padding:0 12px}
.me{display:none}
.connection{font-size:0;gap:0}
.screen-link{padding:0 9px}
}
@media (max-width:899.98px){
.brand-name{display:none}
.topbar-right{gap:6px}
.topbar .ghost{padding:7px 8px}
.inbox{flex:1;width:auto;border-right:0}
.columns.is-open .inbox,.columns:not(.is-open) .empty-view{display:none}
.back{display:inline-flex;align-items:center;gap:6px;padding:9px 12px 9px 6px;margin-left:-6px;color:var(--accent);font-weight:600}
.back span{font-size:20px;line-height:14px}
.conv-header{flex-wrap:wrap;gap:8px 12px;padding:10px 14px}
.messages{padding:16px}
.message{max-width:82%}
.composer{padding:10px 14px}
.hint{display:none}
.composer-bar{justify-content:flex-end}
.row{padding:14px 16px}
}
`
