//! Report renderers: table, JSON, SARIF, JUnit, Markdown, PolicyReport
