"""Trends across reviews: QA assessments, calibration and case records, aggregated in DuckDB.

    data = read_qa_folder(Path("case_reviews/qa"))      # qa.py: validated tables
    qa = qa_trends(data, Scope(period="month"))          # summary.py: queries + stats
    cases = case_trends(load_records(paths), today=day)  # cases.py over rca.load records

`queries.py` and `cases.py` hold the SQL (run in DuckDB, close to standard SQL),
`stats.py` the Wilson intervals, p-charts and run rules, `agreement.py` the
kappas and Krippendorff's alpha, `generate.py` the seeded example data.
Everything returned is plain dataclasses; `summary.as_rows` flattens them for CSV/JSON.

The report (`rca trends`): `report.py` is the pipeline (load, aggregate, chart,
render, guard, write), `charts.py` draws with matplotlib (SVG + PNG + alt text),
`context.py` words the findings, `deck.py` and `brief.py` render them (renderers
of `rca.render.registry`'s `Renderer` protocol, looked up by extension in
`report.RENDERERS`), and `export.py` writes every table as CSV and JSON.
"""
