// The 政策测算 page: marks the rows whose inputs differ from the stored version (those rows are the draft), follows a
// running job's progress until it is done, and draws the results' charts from #whatif-data. Needs dashboard.js first.
(() => {
  'use strict';

  const number = text => {
    const plain = String(text ?? '').replace(/[,，\s]/g, '');
    return plain === '' ? null : Number(plain);
  };
  const same = (value, stored) => {
    const a = number(value), b = number(stored);
    return a === null || b === null || Number.isNaN(a) || Number.isNaN(b) ? String(value).trim() === String(stored).trim() : a === b;
  };

  // A row is changed when any of its inputs differs from the stored version's value (data-stored); the count follows.
  function markChanges() {
    const form = document.getElementById('whatif-form');
    if (!form) return;
    const update = () => {
      let total = 0;
      form.querySelectorAll('details.whatif-region').forEach(region => {
        let changed = 0;
        region.querySelectorAll('tr[data-key]').forEach(row => {
          let rowChanged = false;
          row.querySelectorAll('[data-stored]').forEach(input => {
            const differs = !same(input.value, input.dataset.stored);
            input.classList.toggle('changed', differs);
            rowChanged = rowChanged || differs;
          });
          row.classList.toggle('changed', rowChanged);
          if (rowChanged) changed++;
        });
        const tag = region.querySelector('.changed-tag');
        if (tag) {
          tag.hidden = changed === 0;
          tag.querySelector('.region-changed').textContent = String(changed);
        }
        total += changed;
      });
      const count = document.getElementById('changed-count');
      if (count) count.textContent = String(total);
    };
    form.addEventListener('input', update);
    form.addEventListener('change', update);
    update();
  }

  // A running job: ask how far it has come until it is done, then show the page again with its results.
  function followProgress() {
    const box = document.getElementById('progress');
    if (!box) return;
    const bar = document.getElementById('progress-bar');
    const text = document.getElementById('progress-text');
    const tick = async () => {
      try {
        const response = await fetch(box.dataset.url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (!response.ok) { text.textContent = '无法获取测算进度，请刷新页面。'; return; }
        const p = await response.json();
        bar.value = p.percent;
        const step = p.drafts > 1 ? `第 ${p.draft} / ${p.drafts} 个草案：` : '';
        text.textContent = p.total > 0
          ? `${step}已重放 ${p.done.toLocaleString('zh-CN')} / ${p.total.toLocaleString('zh-CN')} 笔（${p.percent}%）`
          : `${step}正在读取结算…`;
        if (p.state === 'running') setTimeout(tick, 700);
        else window.location.reload();
      } catch (e) {
        setTimeout(tick, 2000);
      }
    };
    setTimeout(tick, 300);
  }

  function drawCharts() {
    const source = document.getElementById('whatif-data');
    const c = window.medsettleCharts;
    if (!source || !c || typeof echarts === 'undefined') return;
    const data = JSON.parse(source.textContent);
    const signed = v => (Number(v) > 0 ? '+' : '') + c.yuan(v);
    const palette = [c.COLORS.fund, c.COLORS.medfee];

    // the change of fund pay by home region: one bar per region (per draft when two are compared), largest names readable
    const regions = (data.regions || []).slice().reverse();
    const series = (data.series || []).map((s, i) => ({
      name: s.name, type: 'bar', barMaxWidth: 16, data: s.change.slice().reverse(),
      itemStyle: { color: data.series.length > 1 ? palette[i % palette.length] : p => (Number(p.value) < 0 ? c.COLORS.personal : c.COLORS.fund) },
      label: { show: regions.length <= 12, position: 'right', formatter: p => signed(p.value), fontSize: 11 },
    }));
    c.draw(document.getElementById('chart-change'), Object.assign({}, c.base, {
      legend: data.series && data.series.length > 1 ? { top: 0 } : { show: false },
      grid: Object.assign({}, c.base.grid, { right: 90, top: data.series && data.series.length > 1 ? 36 : 8 }),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: params =>
        `${c.escapeHtml(regions[params[0].dataIndex])}<br>` + params.map(p => `${p.marker}${c.escapeHtml(p.seriesName)}：${c.escapeHtml(signed(p.value))} 元`).join('<br>') },
      xAxis: { type: 'value', axisLabel: { formatter: c.wan } },
      yAxis: { type: 'category', data: regions, axisTick: { show: false } },
      series,
    }, regions.length ? {} : c.empty));

    // each settlement's change in cash, as deciles P0 … P100
    if (data.deciles) {
      const names = data.deciles.map((_, i) => `P${i * 10}`);
      c.draw(document.getElementById('chart-deciles'), Object.assign({}, c.base, {
        legend: { show: false },
        grid: Object.assign({}, c.base.grid, { top: 24 }),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: params =>
          `${c.escapeHtml(params[0].name)}：每笔个人现金变化 ${c.escapeHtml(signed(params[0].value))} 元` },
        xAxis: { type: 'category', data: names },
        yAxis: { type: 'value', axisLabel: { formatter: v => c.yuan(v).replace(/\.00$/, '') } },
        series: [{
          type: 'bar', data: data.deciles, barMaxWidth: 28,
          itemStyle: { color: p => (Number(p.value) > 0 ? c.COLORS.personal : c.COLORS.fund) },
          label: { show: true, position: 'top', fontSize: 10, formatter: p => signed(p.value) },
        }],
      }, data.deciles.length ? {} : c.empty));
    }
    let timer = null;
    window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(() => c.charts.forEach(chart => chart.resize()), 100); });
    document.body.dataset.chartsReady = 'true';
  }

  const start = () => { markChanges(); followProgress(); drawCharts(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
