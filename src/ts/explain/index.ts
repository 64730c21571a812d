// The explain report's types and its renderers (text, Markdown, HTML, overlay PNG).
export * from './report.js';
export { renderText } from './render-text.js';
export { renderMarkdown } from './render-markdown.js';
export { renderHtml, type FeatureDistribution, type HtmlOptions } from './render-html.js';
export { overlayInputsFromAbc, renderExplainOverlay } from './overlay.js';
export { reportSections, type ReportSection, AGREEMENT_NEUTRAL } from './wording.js';
