"""The SQL the dashboard runs itself: read-only ``SELECT`` statements over the documented tables
and views where the public readers of :mod:`neural_net.db` do not give what a page needs
(:data:`SQL`: a server's change signature and its number of runs), and the SQL shown under each chart for a person to run (:data:`CHART_SQL`).
The runs table itself comes from ``neural_net.db.runs`` (:mod:`neural_net.ui.data`).

Example:
    >>> from neural_net.ui.queries import CHART_SQL
    >>> CHART_SQL["runs"]
    'SELECT * FROM run_summary ORDER BY created_at;'
"""
from __future__ import annotations

#: The read-only SELECTs the dashboard makes itself (documented tables and views only).
SQL = {
    "server_signature": ("SELECT count(*), max(updated_at), sum(epochs), (SELECT count(*) FROM tag), "
                         "(SELECT count(*) FROM param) FROM Architecture"),
    "count": "SELECT count(*) FROM Architecture",
}
#: The SQL a person can run to get each chart's numbers (shown under the chart).
CHART_SQL = {
    "curves": "SELECT epoch, split, name, value FROM history WHERE Architecture_id = {rid} ORDER BY epoch;",
    "wall_time": ("SELECT epoch, created_at FROM Cost WHERE Architecture_id = {rid} AND split = 'train' "
                  "AND epoch IS NOT NULL ORDER BY epoch;"),
    "histograms": ("SELECT epoch, Layer_id, value FROM weight_history WHERE Architecture_id = {rid} "
                   "ORDER BY seq, Layer_id;"),
    "heatmap": ("SELECT row_index, col_index, value FROM weight_history WHERE Architecture_id = {rid} "
                "AND epoch = {epoch} AND Layer_id = {layer_id};"),
    "change": ("SELECT a.row_index, a.col_index, a.value - b.value AS change FROM weight_history a "
               "JOIN weight_history b ON a.Layer_id = b.Layer_id AND a.row_index = b.row_index "
               "AND a.col_index = b.col_index WHERE a.Architecture_id = {rid} AND b.Architecture_id = {rid} "
               "AND a.epoch = {epoch} AND b.epoch = {base} AND a.Layer_id = {layer_id};"),
    "runs": "SELECT * FROM run_summary ORDER BY created_at;",
}
