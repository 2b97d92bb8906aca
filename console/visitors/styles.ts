/**
 * Styles of the visitors screen and the visitor panel, adopted with the console's own
 * (console/styles.ts), whose colours, buttons, avatars and status pills they build on. The
 * panel sits beside the conversation from 1100px wide; below, it folds into a button that
 * opens it over the conversation; in the one-column layout (below 900px) the conversation
 * takes the whole width and the panel is left out.
 */
export const visitorsCss = `
.visitors-page{display:flex;flex-direction:column;gap:16px}
.visitors-head{display:flex;align-items:baseline;gap:16px}
.visitors-head h1{margin:0}
.visitors-count{margin:0;color:var(--muted)}
.visitors-empty{margin:0;padding:40px 32px;text-align:center;color:var(--muted);background:var(--panel);border:1px dashed var(--line);border-radius:10px}
.visitors-table-wrap{background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow-x:auto}
.visitors-table{width:100%;border-collapse:collapse}
.visitors-table th{text-align:left;font-size:12px;font-weight:600;color:var(--muted);padding:10px 16px;border-bottom:1px solid var(--line);background:#fafbfd;white-space:nowrap}
.visitors-table td{padding:12px 16px;border-bottom:1px solid #f0f1f5;vertical-align:middle}
.visitors-table tbody tr:last-child td{border-bottom:0}
.visitors-table th.visitors-chat-col,.visitor-chat{text-align:right;white-space:nowrap}
.visitor-row.is-composing td{background:#f8f9fc;border-bottom-color:transparent}
.visitor-who{display:flex;align-items:center;gap:12px;min-width:0}
.visitor-who-text{display:flex;flex-direction:column;align-items:flex-start;gap:2px;min-width:0}
.visitor-kind{font-size:11px;font-weight:600;border-radius:999px;padding:0 8px;line-height:18px;background:#eef0f5;color:var(--muted)}
.visitor-kind.is-returning{background:var(--accent-soft);color:var(--accent)}
.visitor-site{white-space:nowrap}
.visitor-page{max-width:380px}
.visitor-page-title{display:block;font-weight:500;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.visitor-page-url{display:block;font-size:12px;color:var(--muted);text-decoration:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
a.visitor-page-url:hover{color:var(--accent);text-decoration:underline}
.visitor-time{white-space:nowrap;font-variant-numeric:tabular-nums;color:var(--muted)}
.visitor-chat-state{display:inline-flex;align-items:center;gap:10px}
.visitor-chatting{font-size:12px;font-weight:600;color:var(--ok);display:inline-flex;align-items:center;gap:6px}
.visitor-chatting::before{content:"";width:7px;height:7px;border-radius:50%;background:var(--ok)}
.small-button{padding:4px 12px;font-size:13px}
.visitor-start-row td{background:#f8f9fc;padding-top:0}
.visitor-start{display:flex;flex-direction:column;gap:8px;max-width:760px;margin-left:46px}
.visitor-start textarea{width:100%;resize:vertical;border:1px solid var(--line);border-radius:8px;padding:9px 11px;min-height:60px;background:#fff}
.visitor-start textarea:focus{border-color:var(--accent);outline:none;box-shadow:0 0 0 3px var(--accent-soft)}
.visitor-start-bar{display:flex;align-items:center;justify-content:flex-end;gap:8px}
.visitor-start-bar .hint,.visitor-start-error{margin:0 auto 0 0}
.visitor-start-error{color:var(--danger);font-size:13px}
.visitor-start-error .link{color:var(--accent);font-weight:600}

.visitor-context{width:300px;flex:none;display:flex;flex-direction:column;background:var(--panel);border-left:1px solid var(--line);min-height:0}
.visitor-context-toggle{display:none}
.visitor-context-body{flex:1;overflow-y:auto;padding:18px 18px 24px;display:flex;flex-direction:column;gap:14px}
.visitor-card{display:flex;align-items:center;gap:12px;min-width:0}
.visitor-card-text{min-width:0}
.visitor-card h2{margin:0;font-size:15px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.visitor-card p{margin:0;color:var(--muted);font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.visitor-online{margin:0;font-size:12px;color:var(--muted);display:flex;align-items:center;gap:7px}
.visitor-online::before{content:"";flex:none;width:8px;height:8px;border-radius:50%;background:#c3c8d4}
.visitor-online.is-online{color:var(--ok);font-weight:600}
.visitor-online.is-online::before{background:var(--ok)}
.visitor-context-loading,.visitor-none{margin:0;color:var(--muted);font-size:13px}
.visitor-context-error{margin:0;color:var(--danger);font-size:13px}
.visitor-facts{margin:0;display:grid;grid-template-columns:88px 1fr;gap:8px 12px;font-size:13px}
.visitor-facts dt{color:var(--muted)}
.visitor-facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.visitor-facts a{color:var(--accent);text-decoration:none}
.visitor-facts a:hover{text-decoration:underline}
.visitor-fact-main{display:block;font-weight:500}
.visitor-facts dd a,.visitor-fact-sub{display:block;font-size:12px}
.visitor-fact-sub{color:var(--muted)}
.visitor-section{border-top:1px solid var(--line);padding-top:14px;display:flex;flex-direction:column;gap:10px}
.visitor-section h3{margin:0;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.visitor-convs{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.visitor-conv{width:100%;text-align:left;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 10px;display:flex;flex-direction:column;gap:2px}
.visitor-conv:hover{border-color:#c6cbd8;background:#fafbfd}
.visitor-conv-top{display:flex;justify-content:space-between;align-items:center;gap:8px;font-weight:600;font-size:13px}
.visitor-conv-sub{font-size:12px;color:var(--muted)}
@media (max-width:1099.98px){
.visitor-context{position:relative;width:44px;background:var(--panel)}
.visitor-context-toggle{display:flex;flex-direction:column;align-items:center;gap:2px;padding:10px 0;margin:6px 4px;font-size:10px;font-weight:600}
.visitor-context-toggle svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2}
.visitor-context-toggle[aria-expanded=true]{color:var(--accent);background:var(--accent-soft)}
.visitor-context-body{display:none}
.visitor-context.is-expanded .visitor-context-body{display:flex;position:absolute;z-index:5;top:0;right:44px;bottom:0;width:min(320px,calc(100vw - 64px));background:var(--panel);border-left:1px solid var(--line);box-shadow:-12px 0 28px rgba(31,36,51,.12)}
}
@media (max-width:899.98px){
.visitor-context{display:none}
.visitors-page{padding:16px}
.visitor-site,.visitors-table th:nth-child(2){display:none}
.visitor-start{margin-left:0}
}
`
