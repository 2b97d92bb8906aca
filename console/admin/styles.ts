/**
 * Styles of the administration screens, adopted with the console's own (console/styles.ts),
 * whose colours and buttons (.primary .secondary .danger .ghost) they build on. A side menu
 * beside the section on a desktop; below 900px (tablets) the menu becomes a row of tabs and
 * tables drop their least useful columns.
 */
export const adminCss = `
.page.admin{display:flex;gap:32px;align-items:flex-start;padding:28px 32px 48px}
.admin-nav{position:sticky;top:0;flex:none;width:200px;display:flex;flex-direction:column;gap:2px}
.admin-nav-title{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);padding:0 12px 8px}
.admin-nav a{padding:8px 12px;border-radius:6px;color:var(--ink);text-decoration:none;font-weight:500}
.admin-nav a:hover{background:#eceef4}
.admin-nav a[aria-current=page]{background:var(--accent-soft);color:var(--accent);font-weight:600}
.admin-main{flex:1;min-width:0;max-width:1040px}
.admin-section{display:flex;flex-direction:column;gap:16px}
.section-head{display:flex;align-items:flex-start;justify-content:space-between;gap:24px}
.section-head h1{margin:0 0 4px;font-size:20px}
.section-head p{margin:0}
.section-actions{display:flex;gap:8px;flex:none}
.muted{color:var(--muted)}
.mono,.code-block,.shortcut,.chip{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.empty-note{margin:0;padding:32px;text-align:center;color:var(--muted);background:var(--panel);border:1px dashed var(--line);border-radius:10px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.small{padding:4px 10px;font-size:13px}
.danger.is-solid{background:var(--danger);border-color:var(--danger);color:#fff}
.danger.is-solid:hover:not(:disabled){background:#b02525}
.inline-error{display:block;margin-top:4px;color:var(--danger);font-size:12px}
.admin .link{color:var(--accent);font-weight:600}

.table-wrap{background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow-x:auto}
.admin-table{width:100%;border-collapse:collapse}
.admin-table th{text-align:left;font-size:12px;font-weight:600;color:var(--muted);padding:10px 16px;border-bottom:1px solid var(--line);background:#fafbfd;white-space:nowrap}
.admin-table td{padding:12px 16px;border-bottom:1px solid #f0f1f5;vertical-align:middle}
.admin-table tr:last-child td{border-bottom:0}
.admin-table .is-number{text-align:right;font-variant-numeric:tabular-nums}
.admin-table td.wrap{min-width:110px;max-width:240px}
.admin-table td.cell-main{max-width:320px}
.admin-table td.actions{text-align:right;white-space:nowrap}
.admin-table td.actions>*+*{margin-left:6px}
.admin-table tr.is-inactive td{color:var(--muted)}
.admin-table tr.is-inactive .secondary{color:var(--ink)}
.admin-table tr.is-inactive .avatar{filter:grayscale(1);opacity:.6}
.person{display:flex;align-items:center;gap:12px;min-width:0}
.person-text{display:flex;flex-direction:column;min-width:0}
.person-text strong{display:flex;align-items:center;gap:6px}
.person-text .muted{font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tag{font-size:11px;font-weight:600;color:var(--accent);background:var(--accent-soft);border-radius:4px;padding:0 6px}
.pill{display:inline-block;border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600;white-space:nowrap}
.pill.is-ok{background:#ebfbee;color:var(--ok)}
.pill.is-off{background:#eef0f5;color:var(--muted)}
.shortcut{color:var(--accent);background:var(--accent-soft);border-radius:4px;padding:2px 6px;white-space:nowrap}
.canned-text{width:60%}
.canned-text span{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;white-space:pre-line}
.filter{display:flex;align-items:center;gap:8px;font-size:13px;color:var(--muted)}
.filter select{border:1px solid var(--line);border-radius:6px;padding:5px 8px;background:#fff;color:var(--ink)}

.site-list{display:flex;flex-direction:column;gap:16px}
.site-card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:20px;display:flex;flex-direction:column;gap:16px}
.site-card-head{display:flex;align-items:center;gap:12px}
.swatch{flex:none;width:32px;height:32px;border-radius:8px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.08)}
.site-title{flex:1;min-width:0;display:flex;flex-direction:column}
.site-title h2{margin:0;font-size:16px}
.facts{margin:0;display:grid;grid-template-columns:1fr 1fr;gap:12px 24px}
.facts dt{font-size:12px;font-weight:600;color:var(--muted);margin-bottom:4px}
.facts dd{margin:0;display:flex;flex-wrap:wrap;gap:4px 6px;align-items:center}
.chip{background:#f0f2f7;border-radius:4px;padding:2px 6px}
.greeting{flex-basis:100%;color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.warning-text{color:var(--warn);font-weight:600}
.embed,.identity{border-top:1px solid #f0f1f5;padding-top:14px;display:flex;flex-direction:column;gap:8px}
.embed-head,.identity-head{display:flex;align-items:baseline;gap:10px;flex-wrap:wrap}
.embed-label{font-weight:600}
.embed-head .muted{font-size:13px}
.identity p{margin:0;font-size:13px}
.code-row{display:flex;gap:8px;align-items:stretch}
.code-block{flex:1;min-width:0;display:block;background:#f6f7fb;border:1px solid var(--line);border-radius:6px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere;color:#2b3142;line-height:1.5}
.code-block.token{font-size:14px;background:#fffbea;border-color:#f0d77a}
.code-row button{flex:none}
.copy-button{min-width:72px}
.identity-actions,.identity-off{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.identity-off{justify-content:space-between;flex-wrap:nowrap}

.admin-dialog{border:0;border-radius:12px;padding:0;width:min(560px,calc(100vw - 32px));max-height:calc(100vh - 48px);box-shadow:0 24px 60px rgba(31,36,51,.25);color:var(--ink);background:var(--panel)}
.admin-dialog[open]{display:flex;flex-direction:column}
.admin-dialog.is-narrow{width:min(440px,calc(100vw - 32px))}
.admin-dialog::backdrop{background:rgba(31,36,51,.45)}
.admin-dialog form{display:contents}
.dialog-head{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:18px 20px 0}
.dialog-head h2{margin:0;font-size:17px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.dialog-x{font-size:22px;line-height:1;padding:2px 9px}
.dialog-body{padding:16px 20px;display:flex;flex-direction:column;gap:14px;overflow-y:auto;min-height:0}
.dialog-foot{flex:none;display:flex;justify-content:flex-end;gap:8px;padding:14px 20px;border-top:1px solid var(--line);background:#fafbfd;border-radius:0 0 12px 12px}
.confirm-message{margin:0}
.dialog-foot .push-left{margin-right:auto;padding-left:8px;padding-right:8px}
.notice{margin:0;padding:10px 12px;border-radius:6px;background:#fff4e6;color:#8a4b00;border:1px solid #ffd8a8;font-size:13px;font-weight:500}

.field,.field-control{display:flex;flex-direction:column;gap:6px;min-width:0;margin:0;padding:0;border:0}
.check-field{gap:2px}
.check-field .field-hint{padding-left:24px}
.field-label{font-weight:600;font-size:13px;padding:0}
.field-hint{font-size:12px;color:var(--muted)}
.field-error{font-size:12px;color:var(--danger);font-weight:500}
.field-row{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.field input:not([type=checkbox]):not([type=color]),.field select,.field textarea{width:100%;padding:8px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;font-weight:400}
.field textarea{resize:vertical;min-height:40px}
.field input:not([type=checkbox]):not([type=color]),.field select{min-height:38px}
.field input:focus,.field select:focus,.field textarea:focus{border-color:var(--accent);outline:none;box-shadow:0 0 0 3px var(--accent-soft)}
.field.has-error input,.field.has-error select,.field.has-error textarea{border-color:var(--danger)}
.field select:disabled{background:#f6f7fb;color:var(--muted)}
.input-with-button,.color-input,.prefixed{display:flex;gap:8px;align-items:stretch}
.color-input input[type=color]{flex:none;width:44px;height:auto;padding:2px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
.prefixed{gap:0}
.prefixed>span{display:grid;place-items:center;padding:0 10px;border:1px solid var(--line);border-right:0;border-radius:6px 0 0 6px;background:#f6f7fb;color:var(--muted);font-weight:600}
.field .prefixed input:not([type=checkbox]){border-radius:0 6px 6px 0}
.checklist{display:flex;flex-wrap:wrap;gap:6px 16px;padding:2px 0}
.check{display:flex;align-items:flex-start;gap:8px;font-size:14px;cursor:pointer}
.check input{margin:3px 0 0;flex:none;accent-color:var(--accent)}
.counter{font-variant-numeric:tabular-nums}
.field code,.embed-head code,.dialog-body code{font-size:12px;background:#f0f2f7;border-radius:3px;padding:0 4px}

@media (max-width:899.98px){
.page.admin{flex-direction:column;gap:16px;padding:16px 20px 40px}
.admin-table,.admin-table tbody{display:block}
.admin-table thead{display:none}
.admin-table tr{display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px;padding:14px 16px;border-bottom:1px solid #f0f1f5}
.admin-table tr:last-child{border-bottom:0}
.admin-table td,.admin-table td.wrap{padding:0;border:0;min-width:0;max-width:none}
/* The name and the status share the first line; an empty item breaks it, the details follow. */
.admin-table td.cell-main{order:-3;flex:1 1 auto;max-width:none}
.admin-table td.cell-status{order:-2;margin-left:auto;flex:none}
.admin-table tr::after{content:"";order:-1;flex-basis:100%}
.admin-table td[data-label]{font-size:13px}
.admin-table td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}
.admin-table .is-number{text-align:left}
.admin-table td.actions{flex-basis:100%;text-align:left;padding-top:8px}
.admin-table td.actions:empty{display:none}
.admin-table td.canned-text{flex-basis:100%;order:0}
.admin-nav{position:static;width:auto;flex-direction:row;gap:4px;overflow-x:auto;border-bottom:1px solid var(--line);padding-bottom:8px;align-self:stretch}
.admin-nav-title{display:none}
.admin-nav a{white-space:nowrap}
.admin-main{align-self:stretch}
.section-head{flex-wrap:wrap;gap:12px}
.facts{grid-template-columns:1fr}
.canned-text{width:auto}
}
@media (max-width:559.98px){
.field-row{grid-template-columns:1fr}
.code-row{flex-wrap:wrap}
}
`
