// The window's small helpers: type-ahead look-ups driven by the keyboard, the identity-number check, the bill editor.
window.MedSettle = (() => {
  const money = n => (Math.round(n * 100 + (n >= 0 ? 1e-9 : -1e-9)) / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const round2 = n => Math.sign(n) * Math.round(Math.abs(n) * 100 + 1e-9) / 100;

  function suggest(input, list, fetcher, label, onPick) {
    if (!input) return;
    let items = [], active = -1, timer = null, missed = '';
    // missed: the query that found nothing, said in the list (未找到) so that the clerk knows the search ran
    const render = () => {
      list.replaceChildren();
      if (missed && items.length === 0) {
        list.appendChild(element('li', 'missed', `未找到“${missed}”：请换用编码、名称或拼音首字母检索`, { 'aria-disabled': 'true', id: list.id + '-missed' }));
        list.hidden = false;
        return;
      }
      items.forEach((item, i) => {
        const li = document.createElement('li');
        li.textContent = label(item);
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', i === active ? 'true' : 'false');
        li.addEventListener('mousedown', e => { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    };
    const pick = i => { if (items[i]) { onPick(items[i]); items = []; active = -1; missed = ''; render(); } };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        items = await fetcher(query);
        active = items.length ? 0 : -1;
        missed = query && items.length === 0 ? query : '';
        render();
      }, 120);
    });
    input.addEventListener('keydown', e => {
      if (e.key === 'ArrowDown' && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === 'ArrowUp' && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === 'Enter' && items.length && active >= 0) { pick(active); e.preventDefault(); }
      else if (e.key === 'Enter' && missed) e.preventDefault(); // nothing to add: the form is not sent either
      else if (e.key === 'Escape') { items = []; missed = ''; render(); }
    });
    input.addEventListener('blur', () => setTimeout(() => { items = []; missed = ''; render(); }, 150));
  }

  // GB 11643: 17 digits and a check character from the weighted sum.
  function identityNumberProblem(value) {
    const v = value.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return '身份证号码应为18位（最后一位可为X）';
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = weights.reduce((s, w, i) => s + w * Number(v[i]), 0);
    return '10X98765432'[sum % 11] === v[17] ? null : '身份证号码校验位不正确，请核对后重新输入';
  }

  function checkIdentityNumber(input, error, form) {
    if (!input || !form) return;
    form.addEventListener('submit', e => {
      const problem = identityNumberProblem(input.value);
      if (problem) { e.preventDefault(); error.textContent = problem; input.classList.add('invalid'); input.focus(); }
    });
    input.addEventListener('input', () => { error.textContent = ''; input.classList.remove('invalid'); });
  }

  // Every piece of data goes in as text (codes and names come from imported reference data): never through innerHTML.
  function element(tag, className, text, attributes) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) el.setAttribute(name, value);
    return el;
  }
  const cell = (content, className) => {
    const td = element('td', className);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content ?? '';
    return td;
  };
  const numberInput = (className, value, label) => {
    const input = element('input', className, null, { type: 'number', step: '0.01', min: '0.01', 'aria-label': label });
    input.value = value ?? '';
    return input;
  };

  // The bill: lines with price and count, the amount as round(price × count, 2), a live total, posted as JSON.
  // onEdit is called on every change the clerk makes to the lines (price, count, a line added or removed).
  // An empty field stays empty (null), never a silent 0: the form is not sent until every price and count is above 0.
  function bill(table, totalCell, hidden, search, list, onEdit, error) {
    const edited = () => { if (onEdit) onEdit(); };
    const number = value => value.trim() === '' ? null : Number(value);
    const amountOf = l => round2((l.price || 0) * (l.count || 0)); // a line still being typed counts 0
    const body = table.querySelector('tbody');
    const lines = JSON.parse(hidden.value || '[]');
    const levelName = { 1: '甲类', 2: '乙类', 3: '丙类' };
    const render = () => {
      body.replaceChildren();
      let total = 0;
      lines.forEach((l, i) => {
        const amount = amountOf(l);
        total += amount;
        const tr = document.createElement('tr');
        const tag = element('span', 'tag ' + (['', 'a', 'b', 'c'][l.level] || ''), levelName[l.level] || '');
        const price = numberInput('price', l.price, '单价');
        price.placeholder = '请填写';
        tr.append(cell(l.code), cell(l.name), cell(tag),
          cell(price, 'num'), cell(numberInput('count', l.count, '数量'), 'num'),
          cell(money(amount), 'num amount'), cell(element('button', 'remove', '删除', { type: 'button', 'aria-label': '删除' })));
        tr.querySelector('.price').addEventListener('input', e => { l.price = number(e.target.value); clear(e.target); update(); edited(); });
        tr.querySelector('.count').addEventListener('input', e => { l.count = number(e.target.value); clear(e.target); update(); edited(); });
        // Enter moves on rather than sending the form: from the price to the count, from the count to the next item's search.
        tr.querySelector('.price').addEventListener('keydown', e => {
          if (e.key === 'Enter') { e.preventDefault(); tr.querySelector('.count').focus(); tr.querySelector('.count').select(); }
        });
        tr.querySelector('.count').addEventListener('keydown', e => {
          if (e.key === 'Enter') { e.preventDefault(); if (search) search.focus(); }
        });
        tr.querySelector('.remove').addEventListener('click', () => { lines.splice(i, 1); render(); edited(); });
        body.appendChild(tr);
      });
      totalCell.textContent = money(total);
      hidden.value = JSON.stringify(lines);
    };
    const update = () => {
      let total = 0;
      body.querySelectorAll('tr').forEach((tr, i) => {
        const amount = amountOf(lines[i]);
        total += amount;
        tr.querySelector('.amount').textContent = money(amount);
      });
      totalCell.textContent = money(total);
      hidden.value = JSON.stringify(lines);
    };
    suggest(search, list, q => q ? fetch('/window/api/catalogue?q=' + encodeURIComponent(q)).then(r => r.json()) : Promise.resolve([]),
      i => `${i.code}  ${i.name}  ${levelName[i.level] || ''}${i.pricUplmtAmt ? '  限价 ' + i.pricUplmtAmt : ''}`,
      i => {
        lines.push({ code: i.code, name: i.name, level: i.level, price: i.pricUplmtAmt ? Number(i.pricUplmtAmt) : null, count: 1, usual: i.usualMaxCount });
        search.value = '';
        render();
        edited();
        const prices = body.querySelectorAll('.price');
        prices[prices.length - 1].focus();
        prices[prices.length - 1].select();
      });
    const clear = input => { input.classList.remove('invalid'); if (error) { error.textContent = ''; error.hidden = true; } };
    const form = table.closest('form');
    if (form) form.addEventListener('submit', e => {
      const rows = body.querySelectorAll('tr');
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        const [field, problem] = !(l.price > 0) ? ['.price', '单价须大于 0，请填写实际收费单价（元）']
          : !(l.count > 0) ? ['.count', '数量须大于 0'] : [null, null];
        if (!field) continue;
        e.preventDefault();
        const input = rows[i].querySelector(field);
        input.classList.add('invalid');
        input.focus();
        if (error) { error.textContent = `第 ${i + 1} 行 ${l.code} ${l.name}：${problem}`; error.hidden = false; }
        return;
      }
      // A count far above what the item usually takes (a slipped key: 100 for 10) is asked about once, line by line.
      const unusual = lines.map((l, i) => [l, i]).filter(([l]) => l.usual && l.count > l.usual);
      if (unusual.length === 0) return;
      const list = unusual.map(([l, i]) => `第 ${i + 1} 行 ${l.name}：数量 ${l.count}（此类项目一次一般不超过 ${l.usual}）`).join('\n');
      if (window.confirm(`以下数量远高于常见用量，请核对：\n${list}\n\n确认数量无误并上传吗？`)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      const count = rows[unusual[0][1]].querySelector('.count');
      count.classList.add('invalid');
      count.focus();
      count.select();
    });
    render();
  }

  // A pre-settlement explains one bill: once the clerk changes the bill (or how it is paid), the explanation no longer
  // holds, so it is withdrawn and settling is blocked until the clerk pre-settles again.
  function withdrawPreSettlement(explanation) {
    if (!explanation || explanation.dataset.withdrawn) return;
    explanation.dataset.withdrawn = 'true';
    for (const child of explanation.children) if (child.tagName !== 'FORM') child.hidden = true;
    const note = document.createElement('p');
    note.className = 'notice';
    note.id = 'bill-changed';
    note.setAttribute('role', 'alert');
    note.textContent = '账单已修改，请重新预结算：点击“上传明细并预结算”，核对新的预结算说明后再确认结算。';
    explanation.prepend(note);
    const button = explanation.querySelector('#settle-button');
    if (button) { button.disabled = true; button.textContent = '确认结算（账单已修改，请先重新预结算）'; }
    const form = button && button.form;
    if (form) form.addEventListener('submit', e => e.preventDefault());
  }

  // A posting button acts once: from the moment its form is sent until the next page arrives the form is busy (its
  // buttons disabled, the pressed one saying 处理中…), and a second submit of it (a double click) is dropped. Forms whose
  // own checks stopped the submit stay usable. A page restored by the back button is usable again.
  const buttonsOf = form => Array.from(form.elements).filter(el => el.tagName === 'BUTTON' && el.type === 'submit');
  document.addEventListener('submit', e => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute('method') || '').toLowerCase() !== 'post' || e.defaultPrevented) return;
    if (form.dataset.busy) { e.preventDefault(); return; }
    form.dataset.busy = 'true';
    form.setAttribute('aria-busy', 'true');
    const pressed = e.submitter;
    // disabled after this turn, so that the pressed button still counts as the form's submitter
    setTimeout(() => {
      for (const button of buttonsOf(form)) button.disabled = true;
      if (pressed) { pressed.dataset.label = pressed.textContent; pressed.textContent = '处理中…'; pressed.classList.add('busy'); }
    }, 0);
  });
  window.addEventListener('pageshow', e => {
    if (!e.persisted) return;
    for (const form of document.querySelectorAll('form[aria-busy]')) {
      delete form.dataset.busy;
      form.removeAttribute('aria-busy');
      for (const button of buttonsOf(form)) {
        button.disabled = false;
        if (button.dataset.label) { button.textContent = button.dataset.label; delete button.dataset.label; button.classList.remove('busy'); }
      }
    }
  });

  // Buttons say what they do in data-* attributes (the Content-Security-Policy allows no inline handlers):
  // data-open-dialog="id" opens that dialog, data-close-dialog closes its own, data-print prints the page, and
  // data-register-another confirms registering another visit while one is open.
  document.addEventListener('click', e => {
    const button = e.target instanceof Element ? e.target.closest('button') : null;
    if (!button || button.disabled) return;
    if (button.dataset.openDialog) document.getElementById(button.dataset.openDialog)?.showModal();
    else if (button.hasAttribute('data-close-dialog')) button.closest('dialog')?.close();
    else if (button.hasAttribute('data-print')) window.print();
    else if (button.hasAttribute('data-register-another')) {
      document.getElementById('another').value = 'true';
      button.closest('dialog')?.close();
      document.getElementById('register-form').requestSubmit();
    }
  });

  // An unsent bill: while the editor's lines differ from the ones uploaded, they are kept in this browser (localStorage,
  // per visit, with item codes, names, levels, prices and counts only) until they are uploaded or deliberately cleared,
  // and shown again when the visit's page is. While they exist, whatever would leave or reload the page (a form posted,
  // a link, closing the tab) asks first. Returns whether a kept bill was put back into the editor.
  const billKey = lines => JSON.stringify((lines || []).map(l => [String(l.code),
    l.price === null || l.price === undefined || l.price === '' ? null : Number(l.price),
    l.count === null || l.count === undefined || l.count === '' ? null : Number(l.count)]));
  const billStorageKey = visit => 'medsettle.bill.' + visit;
  function keepUnsentBill(hidden, billForm) {
    const visit = hidden.dataset.visit;
    if (!visit || !billForm) return { restored: false, changed: () => {} };
    const storageKey = billStorageKey(visit);
    const uploaded = billKey(JSON.parse(hidden.dataset.uploaded || '[]'));
    const current = () => JSON.parse(hidden.value || '[]');
    const unsent = () => billKey(current()) !== uploaded;
    const store = {
      read() { try { return JSON.parse(window.localStorage.getItem(storageKey) || 'null'); } catch { return null; } },
      write(lines) {
        try { window.localStorage.setItem(storageKey, JSON.stringify(lines.map(l => ({ code: l.code, name: l.name, level: l.level, price: l.price, count: l.count, usual: l.usual })))); } catch { /* storage full or off: the warnings still hold */ }
      },
      remove() { try { window.localStorage.removeItem(storageKey); } catch { /* nothing kept */ } },
    };
    // The page shows either the uploaded lines (then a bill kept from before comes back) or lines the clerk sent that
    // were refused (then those are the unsent bill).
    let restored = false;
    const kept = store.read();
    if (!unsent() && Array.isArray(kept) && billKey(kept) !== uploaded) { hidden.value = JSON.stringify(kept); restored = true; }

    const bar = element('div', 'notice no-print', null, { id: 'bill-unsent' });
    const text = element('span');
    const clear = element('button', null, '清空未上传的明细', { type: 'button', id: 'clear-unsent' });
    bar.append(text, ' ', clear);
    billForm.before(bar);
    let leaving = false;
    const changed = () => {
      const lines = current();
      const pending = unsent();
      if (pending) store.write(lines); else store.remove();
      bar.hidden = !pending;
      text.textContent = (restored ? '已恢复上次未上传的费用明细。' : '')
        + `本次就诊有 ${lines.length} 行费用明细与已上传的不同，尚未上传（已暂存在本机）；点击“上传明细并预结算”上传后清除。`;
    };
    const question = () => `本次就诊有 ${current().length} 行费用明细尚未上传。继续将离开本页：未上传的明细暂存在本机，回到本就诊页面时恢复，但不会上传，也不计入结算。确定继续吗？`;
    clear.addEventListener('click', () => {
      if (!window.confirm('清空本次就诊未上传的费用明细？已上传的明细不受影响。')) return;
      store.remove();
      leaving = true;
      window.location.assign(window.location.pathname);
    });
    // Asked before the form is sent (capture), so that a refusal stops the busy marking and every other handler.
    document.addEventListener('submit', e => {
      if (e.target === billForm || leaving || !unsent()) return;
      if (!window.confirm(question())) { e.preventDefault(); e.stopImmediatePropagation(); }
    }, true);
    document.addEventListener('submit', e => { if (!e.defaultPrevented) leaving = true; });
    document.addEventListener('click', e => {
      const link = e.target instanceof Element ? e.target.closest('a[href]') : null;
      if (!link || leaving || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || link.target === '_blank' || !unsent()) return;
      const url = new URL(link.href, window.location.href);
      if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
      if (window.confirm(question())) leaving = true; else e.preventDefault();
    }, true);
    window.addEventListener('beforeunload', e => { if (!leaving && unsent()) { e.preventDefault(); e.returnValue = ''; } });
    window.addEventListener('pageshow', e => { if (e.persisted) leaving = false; });
    changed();
    return { restored, changed };
  }

  // What each page of the window needs, found by its elements.
  function start() {
    const byId = id => document.getElementById(id);
    // The window's first page: the identity-number check and the diagnosis look-up of the filing.
    checkIdentityNumber(byId('certno'), byId('certno-error'), byId('find'));
    suggest(byId('dise-search'), byId('dise-list'),
      q => fetch('/window/api/icd10?q=' + encodeURIComponent(q)).then(r => r.json()),
      d => d.code + '  ' + d.name,
      d => {
        byId('dise-codg').value = d.code;
        byId('dise-name').value = d.name;
        byId('dise-search').value = d.code + ' ' + d.name;
        byId('dise-error').textContent = '';
      });
    const fileForm = byId('file-form');
    if (fileForm) fileForm.addEventListener('submit', e => {
      if (!byId('dise-codg').value) {
        e.preventDefault();
        byId('dise-error').textContent = '请从检索结果中选择一个诊断';
      }
    });
    // A visit's page: the bill editor, whose every change withdraws the pre-settlement on screen.
    if (byId('bill')) {
      const withdraw = () => withdrawPreSettlement(byId('explanation'));
      const unsent = keepUnsentBill(byId('lines'), byId('bill-form'));
      bill(byId('bill'), byId('total'), byId('lines'), byId('catalogue-search'), byId('catalogue-list'),
        () => { withdraw(); unsent.changed(); }, byId('bill-error'));
      if (unsent.restored) withdraw();
      document.querySelectorAll('#bill-form input[type=checkbox]').forEach(box => box.addEventListener('change', withdraw));
      const settleLines = byId('settle-lines');
      if (settleLines) settleLines.form.addEventListener('submit', () => { settleLines.value = byId('lines').value; });
    }
    // A visit closed (cancelled or finally settled) takes no more lines: a bill kept for it would only come back nowhere.
    const closed = byId('visit-closed');
    if (closed) try { window.localStorage.removeItem(billStorageKey(closed.dataset.visit)); } catch { /* nothing kept */ }
    focusNextStep(byId);
    // every handler is attached: what is typed from now on is seen (tests wait for this before typing)
    document.documentElement.dataset.windowReady = 'true';
  }

  // Each page opens on its next step: after a pre-settlement the explanation and 确认结算; on a visit the catalogue search;
  // after a look-up or a filing what the server names (data-next on the person's card: the diagnosis, 挂号, an open visit).
  function focusNextStep(byId) {
    const explanation = byId('explanation');
    const settle = byId('settle-button');
    if (explanation && settle && !settle.disabled && !byId('problem')) {
      explanation.scrollIntoView({ block: 'start' });
      settle.focus({ preventScroll: true });
      return;
    }
    const person = byId('person');
    const next = person && person.dataset.next ? byId(person.dataset.next) : byId('catalogue-search');
    if (next) next.focus();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();

  return { suggest, checkIdentityNumber, identityNumberProblem, bill, withdrawPreSettlement, keepUnsentBill, money };
})();
