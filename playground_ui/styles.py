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
"""
