/// The worklist's style sheet and its one script, served from `/static/` (no inline style or
/// script anywhere: the Content-Security-Policy forbids both).
enum Assets {
    static let styleSheet = """
        :root { --critical: #b00020; --high: #c25400; --medium: #8a6d00; --low: #2f6f3e; --ink: #1d1d1f;
          --muted: #5f6368; --line: #d9dce1; --bg: #f7f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
          background: var(--bg); }
        header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #fff;
          border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; }
        header nav a { margin-right: 1rem; }
        header .who { margin-left: auto; color: var(--muted); }
        header form { margin: 0; }
        main { padding: 1rem 1.2rem; max-width: 1400px; }
        a { color: #174ea6; }
        h1 { font-size: 1.35rem; margin: .2rem 0 .8rem; }
        h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
        tr.alert-row:hover { background: #eef3fd; }
        .badge { display: inline-block; min-width: 4.6rem; text-align: center; padding: .1rem .45rem; border-radius: .3rem;
          color: #fff; font-size: .8rem; font-weight: 600; }
        .badge.critical { background: var(--critical); } .badge.high { background: var(--high); }
        .badge.medium { background: var(--medium); } .badge.low { background: var(--low); }
        .overdue { color: var(--critical); font-weight: 600; }
        td.due { white-space: nowrap; }
        .mrn { white-space: nowrap; }
        .muted { color: var(--muted); }
        .counts { display: flex; gap: .6rem; margin: .4rem 0 .8rem; }
        .counts span { background: #fff; border: 1px solid var(--line); border-radius: .3rem; padding: .2rem .6rem; }
        form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: .8rem; }
        form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
        form.filters label.check { flex-direction: row; align-items: center; gap: .3rem; }
        select, input, textarea, button { font: inherit; }
        button { background: #174ea6; color: #fff; border: 0; border-radius: .3rem; padding: .35rem .8rem; cursor: pointer; }
        button.secondary { background: #5f6368; }
        .notice { background: #fff4d6; border: 1px solid #e8c15c; padding: .5rem .8rem; border-radius: .3rem; margin-bottom: .8rem; }
        .banner-withdrawn { background: #fde7e9; border: 1px solid var(--critical); padding: .6rem .8rem; border-radius: .3rem; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .8rem 1rem; margin-bottom: 1rem; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
        .finding { border-top: 1px solid var(--line); padding-top: .6rem; margin-top: .6rem; }
        .bars text { font-size: 11px; fill: var(--ink); }
        .bars rect.part { fill: #7aa7e8; } .bars rect.track { fill: #eef0f3; }
        .actions form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .4rem 0; }
        .login { max-width: 360px; margin: 4rem auto; }
        .login label { display: block; margin: .6rem 0 .2rem; }
        .login input { width: 100%; padding: .4rem; }
        .error { color: var(--critical); }
        details pre { white-space: pre-wrap; font-size: .8rem; background: #f3f4f6; padding: .6rem; }
        .pages { margin: .8rem 0; display: flex; gap: 1rem; }
        .chart text { font-size: 11px; fill: var(--muted); }
        """

    /// Live updates: listens to `/events` and, when the worklist changed, fetches the table again
    /// (the same page, `fragment=1`) and says which alerts were withdrawn. The page works without it.
    static let script = """
        (function () {
          var table = document.getElementById('worklist');
          if (!table || !window.EventSource) { return; }
          var notice = document.getElementById('live-notice');
          var source = new EventSource('/events');
          source.addEventListener('changed', function (message) {
            var data = {};
            try { data = JSON.parse(message.data); } catch (e) {}
            var before = {};
            table.querySelectorAll('tr[data-alert-id]').forEach(function (row) {
              before[row.getAttribute('data-alert-id')] = row.getAttribute('data-patient');
            });
            var url = window.location.pathname + window.location.search;
            url += (url.indexOf('?') < 0 ? '?' : '&') + 'fragment=1';
            fetch(url, { credentials: 'same-origin' }).then(function (response) {
              if (!response.ok) { return null; }
              return response.text();
            }).then(function (html) {
              if (html === null) { return; }
              table.innerHTML = html;
              var gone = (data.withdrawn || []).filter(function (id) { return id in before; });
              if (gone.length && notice) {
                notice.textContent = gone.length === 1
                  ? 'An alert was withdrawn (its event was cancelled or no longer holds) and has left the list: patient ' + before[gone[0]] + '.'
                  : gone.length + ' alerts were withdrawn and have left the list.';
                notice.hidden = false;
              }
            });
          });
        })();
        """
}
