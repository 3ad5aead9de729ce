"""The page's own CSS (Gradio's theme does the rest)."""

CSS = """
/* Help text and subdued text at 4.5:1 contrast or more (WCAG AA); Gradio's default grey is about 2:1. */
:root, .gradio-container { --block-info-text-color: #4b5563 !important; --body-text-color-subdued: #4b5563 !important; }
.dark, .dark .gradio-container { --block-info-text-color: #a3aab8 !important; --body-text-color-subdued: #a3aab8 !important; }
#request, #response, #code { max-height: 540px; overflow: auto; }
#request-a, #response-a, #request-b, #response-b { max-height: 320px; overflow: auto; }
#metrics table { font-size: 0.85em; }
.doctor-panel { font-size: 0.9em; }
.doctor-panel ul { list-style: none; padding-left: 0; margin: 0.4em 0 0; }
.doctor-panel li { margin: 0.3em 0; padding-left: 1.4em; text-indent: -1.4em; }
.doctor-mark { font-size: 1.3em; line-height: 1; margin-right: 0.2em; }
.doctor-ok .doctor-mark { color: #16a34a; }
.doctor-warn .doctor-mark { color: #d97706; }
.doctor-fail .doctor-mark { color: #dc2626; }
.doctor-where { color: var(--body-text-color-subdued); }
.doctor-probes summary { cursor: pointer; margin-top: 0.4em; }
.doctor-probes pre { max-height: 320px; overflow: auto; font-size: 0.85em; white-space: pre-wrap; }
#header { align-items: center; }
#intro h1 { margin-bottom: 0.2em; }
/* The presenter view: large type for a room (the toggle's own state, so a link and a click look the same). */
.gradio-container:has(#presenter input:checked) :is(#chatbot, #chatbot-a, #chatbot-b) .message-content :is(.prose, p, li, code) {
  font-size: 20px !important; line-height: 1.5 !important;
}
.gradio-container:has(#presenter input:checked) #message textarea { font-size: 20px !important; }
.gradio-container:has(#presenter input:checked) #headline :is(p, strong) { font-size: 20px !important; }
/* A phone: the chat and the message box on the first screen. */
@media (max-width: 768px) {
  #intro p { display: none; }
  #intro h1 { font-size: 1.4rem; padding-left: 1.2rem; }
  #chatbot { height: 52vh !important; max-height: 52vh !important; }
  #headline { flex: 1 1 100% !important; }
  .gradio-container:has(#presenter input:checked) #headline :is(p, strong) { font-size: 18px !important; }
  .gradio-container:has(#presenter input:checked) #chatbot { height: 44vh !important; max-height: 44vh !important; }
}
/* A sentence from the playground in the chat (not the model's words): its own box, red for a
   turn that failed, amber for one stopped. Both read at 4.5:1 or more. */
.turn-error, .turn-stopped { border-radius: 8px; padding: 0.5em 0.75em; margin-top: 0.4em; border: 1px solid; }
.turn-error { background: #fef2f2; border-color: #fca5a5; color: #991b1b; }
.turn-stopped { background: #fffbeb; border-color: #fcd34d; color: #92400e; }
.dark .turn-error { background: #450a0a; border-color: #b91c1c; color: #fecaca; }
.dark .turn-stopped { background: #451a03; border-color: #b45309; color: #fde68a; }
/* A long model id ends in "…" before the dropdown's arrow instead of running under it. */
.secondary-wrap input[role="combobox"] { text-overflow: ellipsis; padding-right: 1.75rem !important; }
#task .task-details { font-size: 0.85em; color: var(--body-text-color-subdued); }
"""
