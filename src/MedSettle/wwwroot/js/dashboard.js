// The dashboard's light touch: draws the charts from the JSON the server rendered into #chart-data (ECharts, served
// locally from /lib), narrows the hospital list to the chosen treating region, and asks before irreversible actions.
(() => {
  'use strict';

  const COLORS = {
    medfee: '#4f7cac', fund: '#0b6e4f', personal: '#e0a03a', count: '#8a6bb1',
    hifob: '#2f9c95', hifmi: '#6a994e', maf: '#b5838d',
  };
  const yuan = v => Number(v || 0).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const wan = v => {
    const n = Number(v || 0);
    if (Math.abs(n) >= 10000) return (n / 10000).toLocaleString('zh-CN', { maximumFractionDigits: 1 }) + '万';
    return n.toLocaleString('zh-CN', { maximumFractionDigits: 0 });
  };
  const base = {
    animationDuration: 300,
    textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0 },
  };
  const empty = { title: { text: '暂无数据', left: 'center', top: 'middle', textStyle: { color: '#9aa5b1', fontSize: 14, fontWeight: 'normal' } } };

  // A tooltip formatter's answer is HTML: every name and value in it is escaped (region names come from imported
  // reference data); only ECharts' own colour marker (p.marker) goes in as markup.
  const escapeHtml = v => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const seriesLines = params => params.map(p => `${p.marker}${escapeHtml(p.seriesName)}：${escapeHtml(yuan(p.value))} 元`).join('<br>');

  // Regions as horizontal bars (long names such as 延边朝鲜族自治州 stay readable), largest on top.
  function regionBars(el, groups) {
    const rows = (groups || []).slice().reverse();
    const option = Object.assign({}, base, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: params => {
        const g = rows[params[0].dataIndex];
        return `${escapeHtml(g.name)}<br>备案人次：${escapeHtml(g.filings.toLocaleString('zh-CN'))}　结算人次：${escapeHtml(g.settlements.toLocaleString('zh-CN'))}<br>`
          + seriesLines(params);
      } },
      xAxis: { type: 'value', axisLabel: { formatter: wan } },
      yAxis: { type: 'category', data: rows.map(g => g.name), axisTick: { show: false } },
      series: [
        { name: '结算金额', type: 'bar', data: rows.map(g => g.medfee), itemStyle: { color: COLORS.medfee }, barMaxWidth: 14 },
        { name: '医保支付金额', type: 'bar', data: rows.map(g => g.fund), itemStyle: { color: COLORS.fund }, barMaxWidth: 14 },
      ],
    }, rows.length ? {} : empty);
    return draw(el, option);
  }

  function trend(el, d) {
    const option = Object.assign({}, base, {
      grid: Object.assign({}, base.grid, { bottom: 30 }),
      tooltip: { trigger: 'axis', formatter: params => {
        const i = params[0].dataIndex;
        return `${escapeHtml(d.days[i])}<br>备案人次：${escapeHtml(d.filings[i])}　结算人次：${escapeHtml(d.settlements[i])}<br>`
          + seriesLines(params);
      } },
      xAxis: { type: 'category', data: d.days, boundaryGap: false, axisLabel: { formatter: v => v.slice(5) } },
      yAxis: { type: 'value', axisLabel: { formatter: wan } },
      dataZoom: d.days.length > 45 ? [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 4 }] : [],
      series: [
        { name: '结算金额', type: 'line', data: d.medfee, smooth: 0.2, symbol: 'none', itemStyle: { color: COLORS.medfee }, areaStyle: { opacity: 0.08 } },
        { name: '医保支付金额', type: 'line', data: d.fund, smooth: 0.2, symbol: 'none', itemStyle: { color: COLORS.fund }, areaStyle: { opacity: 0.08 } },
      ],
    });
    if (d.days.length > 45) option.grid.bottom = 40;
    return draw(el, option);
  }

  // Who paid the settlements' bills: each fund (统筹基金, then the funds settled with it in one stop) and the insured.
  function share(el, s) {
    const parts = [
      { name: '统筹基金', value: s.hifp, color: COLORS.fund },
      { name: '大额补助', value: s.hifob, color: COLORS.hifob },
      { name: '大病保险', value: s.hifmi, color: COLORS.hifmi },
      { name: '医疗救助', value: s.maf, color: COLORS.maf },
      { name: '个人负担', value: s.personal, color: COLORS.personal },
    ].filter(p => Number(p.value) > 0);
    const total = parts.reduce((sum, p) => sum + Number(p.value), 0);
    const option = Object.assign({}, base, {
      tooltip: { trigger: 'item', formatter: p => `${p.marker}${escapeHtml(p.name)}：${escapeHtml(yuan(p.value))} 元（${escapeHtml(p.percent.toFixed(2))}%）` },
      legend: { bottom: 0 },
      series: [{
        type: 'pie', radius: ['42%', '70%'], center: ['50%', '46%'], avoidLabelOverlap: true,
        label: { position: 'inside', color: '#fff', fontWeight: 'bold', formatter: p => (p.percent >= 4 ? `${p.percent.toFixed(1)}%` : '') },
        data: parts.map(p => ({ name: p.name, value: p.value, itemStyle: { color: p.color } })),
      }],
    }, total > 0 ? {} : empty);
    return draw(el, option);
  }

  const charts = [];
  function draw(el, option) {
    if (!el) return null;
    const chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function drawCharts() {
    const source = document.getElementById('chart-data');
    if (!source || typeof echarts === 'undefined') return;
    const data = JSON.parse(source.textContent);
    if (data.byHome) regionBars(document.getElementById('chart-home'), data.byHome);
    regionBars(document.getElementById('chart-area'), data.byArea);
    trend(document.getElementById('chart-day'), data.byDay);
    share(document.getElementById('chart-share'), data.share);
    let timer = null;
    window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(() => charts.forEach(c => c.resize()), 100); });
    document.body.dataset.chartsReady = 'true';
  }

  // Only the hospitals of the chosen treating region are offered; a hospital already picked elsewhere is cleared.
  function narrowHospitals() {
    const area = document.getElementById('area');
    const hospital = document.getElementById('hospital');
    if (!area || !hospital) return;
    const apply = clear => {
      hospital.querySelectorAll('optgroup').forEach(g => {
        const show = !area.value || g.dataset.area === area.value;
        g.hidden = !show;
        g.disabled = !show;
      });
      const picked = hospital.selectedOptions[0];
      if (clear && picked && picked.parentElement.tagName === 'OPTGROUP' && picked.parentElement.disabled) hospital.value = '';
    };
    area.addEventListener('change', () => apply(true));
    apply(false);
  }

  // Irreversible actions (confirming a clearing) ask first.
  function confirmations() {
    document.querySelectorAll('form[data-confirm]').forEach(form => {
      form.addEventListener('submit', e => {
        if (!window.confirm(form.dataset.confirm)) e.preventDefault();
      });
    });
  }

  // what the 政策测算 page's script draws with (whatif.js), so that both pages' charts look and escape alike
  window.medsettleCharts = { COLORS, base, empty, escapeHtml, yuan, wan, draw, charts };

  const start = () => { narrowHospitals(); confirmations(); drawCharts(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
