// infocity: a little plain JavaScript. Pages work without it; it adds the upload pre-check, the
// drag-and-drop upload with transfer progress, the live ingest progress, and the review desk
// (saving without reloading, the queue by keyboard, confirming a page at once). Text from the server is always set with textContent, never as HTML.
"use strict";

(function () {
  const MB = 1024 * 1024;

  function uploadCheck() {
    const form = document.getElementById("upload-form");
    if (!form) return;
    const maxFile = parseFloat(form.dataset.maxFileMb) * MB;
    const maxTotal = parseFloat(form.dataset.maxUploadMb) * MB;
    const maxFiles = parseInt(form.dataset.maxFiles, 10);
    const summary = document.getElementById("upload-summary");
    const problem = document.getElementById("upload-problem");
    const submit = document.getElementById("upload-submit");
    const hidden = (f) => (f.webkitRelativePath || f.name).split("/").some(
      (p) => p.startsWith(".") || p.startsWith("~$") || p === "Thumbs.db" || p === "desktop.ini");

    function check() {
      const files = [];
      for (const input of form.querySelectorAll("input[type=file]")) {
        for (const f of input.files) if (!hidden(f)) files.push(f);
      }
      const total = files.reduce((n, f) => n + f.size, 0);
      const tooLarge = files.filter((f) => !f.name.toLowerCase().endsWith(".zip") && f.size > maxFile);
      const problems = [];
      if (tooLarge.length) {
        problems.push("以下文件超过每个文件 " + (maxFile / MB) + " MB 的上限，请去掉后再上传：" +
          tooLarge.map((f) => f.name).join("、"));
      }
      if (files.length > maxFiles) {
        problems.push("一次最多上传 " + maxFiles + " 个文件，现在选了 " + files.length + " 个。请分批上传或打包为 .zip。");
      }
      if (total > maxTotal) {
        problems.push("合计 " + (total / MB).toFixed(0) + " MB，超过了 " + (maxTotal / MB) + " MB 的上限。请分批上传。");
      }
      summary.textContent = files.length ? "已选择 " + files.length + " 个文件，共 " + (total / MB).toFixed(1) + " MB。" : "";
      problem.textContent = problems.join(" ");
      problem.hidden = problems.length === 0;
      submit.disabled = problems.length > 0 || files.length === 0;
      return problems.length === 0;
    }
    form.addEventListener("change", check);
    form.addEventListener("submit", (e) => {
      if (!check()) { e.preventDefault(); return; }
      submit.disabled = true;
      submit.textContent = "正在上传……";
    });
    check();
  }

  const STATES = { queued: "排队中", running: "入库中", done: "已完成", error: "出错", interrupted: "已中断" };

  function progress() {
    const box = document.getElementById("progress");
    if (!box) return;
    const set = (id, value) => { document.getElementById(id).textContent = String(value); };

    function show(p) {
      set("p-state", STATES[p.state] || p.state);
      for (const key of ["files", "done", "added", "versions", "present", "failed"]) set("p-" + key, p[key]);
      const list = document.getElementById("p-failures");
      list.replaceChildren(...p.failures.map((f) => {
        const li = document.createElement("li");
        const b = document.createElement("b");
        b.textContent = f.name;
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = " " + f.message;
        li.append(b, "：" + (f.reason || f.code), detail);
        return li;
      }));
      document.getElementById("p-none").hidden = p.failures.length > 0;
      document.getElementById("p-skipped").replaceChildren(...p.skipped_list.map((f) => {
        const li = document.createElement("li");
        const b = document.createElement("b");
        b.textContent = f.name;
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = " " + f.message;
        li.append(b, detail);
        return li;
      }));
      document.getElementById("p-skipped-title").hidden = p.skipped_list.length === 0;
      const error = document.getElementById("p-error");
      error.textContent = p.error || "";
      error.hidden = !p.error;
      document.getElementById("p-next").hidden = p.state !== "done";
      box.dataset.state = p.state;
    }

    async function poll() {
      try {
        const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store" });
        if (response.ok) show(await response.json());
      } catch (e) {
        // the server may be restarting: try again at the next tick
      }
      if (box.dataset.state === "queued" || box.dataset.state === "running") setTimeout(poll, 1000);
    }
    if (box.dataset.state === "queued" || box.dataset.state === "running") setTimeout(poll, 500);
  }

  // --- issue 19: the upload control (drag and drop, transfer progress) --------------------------

  function uploadControl() {
    const form = document.getElementById("upload-form");
    const zone = document.getElementById("drop-zone");
    if (!form || !zone) return;
    const files = document.getElementById("files-input");
    const bar = document.getElementById("upload-transfer");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      files.files = e.dataTransfer.files;
      files.dispatchEvent(new Event("change", { bubbles: true }));
    });
    form.addEventListener("submit", (e) => {
      if (e.defaultPrevented || !window.XMLHttpRequest) return;  // the pre-check refused it
      e.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      const summary = document.getElementById("upload-summary");
      xhr.upload.addEventListener("progress", (p) => {
        if (!p.lengthComputable) return;
        bar.value = Math.round((p.loaded / p.total) * 100);
        summary.textContent = "正在传输：" + bar.value + "%（" + (p.loaded / MB).toFixed(1) + " / " + (p.total / MB).toFixed(1) + " MB）";
      });
      xhr.addEventListener("load", () => {
        if (xhr.responseURL && xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();  // our own error page
      });
      xhr.addEventListener("error", () => {
        summary.textContent = "传输中断，请检查网络后重新上传。";
        document.getElementById("upload-submit").disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }

  // --- issue 19: saving review forms without reloading ----------------------------------------

  function deskStatus(text, bad) {
    const box = document.getElementById("desk-status");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("bad", !!bad);
  }

  async function saveForm(form, submitter) {
    const note = form.querySelector(".save-note");
    const data = new FormData(form, submitter || undefined);
    if (note) { note.textContent = "正在保存……"; note.classList.remove("bad"); }
    let response, body;
    try {
      response = await fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" } });
      body = await response.json();
    } catch (err) {
      if (note) { note.textContent = "保存失败：无法连接服务器，修改没有保存。"; note.classList.add("bad"); }
      deskStatus("保存失败：无法连接服务器", true);
      return false;
    }
    if (response.ok && body.ok) {
      const version = form.querySelector("input[name=expected_version]");
      if (version && body.version !== undefined) version.value = body.version;
      if (note) { note.textContent = "已保存" + (body.summary ? "：" + body.summary : ""); note.classList.remove("bad"); }
      deskStatus("已保存" + (body.summary ? "：" + body.summary : ""), false);
      const article = form.closest("article.passage");
      if (article && body.area !== undefined) {  // the page shows what now counts
        article.dataset.area = body.area === null ? "" : String(body.area);
        const badge = article.querySelector(".meta .area");
        if (badge) {
          badge.textContent = body.area_label;
          badge.className = "area area-" + (body.area === null ? "x" : body.area);
        }
        let tag = article.querySelector(".meta .tag.reviewed");
        if (body.reviewed && !tag && badge) {
          tag = document.createElement("span");
          tag.className = "tag reviewed";
          tag.textContent = "已复核";
          badge.after(tag);
        } else if (!body.reviewed && tag) tag.remove();
        const waiting = article.querySelector(".meta .tag.warn");
        if (body.reviewed && waiting) waiting.remove();
      }
      const item = form.closest("article.queue-item");
      if (item) {
        item.classList.add("done");
        const bulk = document.querySelector("#bulk-form input[name='v-" + item.dataset.id + "']");
        if (bulk) bulk.remove();  // saved on its own: "confirm all" must not overwrite it
      }
      return true;
    }
    let text = body.error || body.message || "保存失败";
    if (body.theirs) {
      text += " 对方的（现在库中）：" + body.theirs + "。您的选择仍在表单中，再次保存即以您的为准。";
      const version = form.querySelector("input[name=expected_version]");
      if (version && body.version !== undefined) version.value = body.version;
    }
    if (note) { note.textContent = text; note.classList.add("bad"); }
    deskStatus(text, true);
    return false;
  }

  function saveWithoutReload() {
    for (const form of document.querySelectorAll("form.js-save")) {
      form.addEventListener("submit", (e) => {
        if (!window.fetch) return;
        e.preventDefault();
        saveForm(form, e.submitter);
      });
    }
    for (const link of document.querySelectorAll("a.keep-theirs")) {
      link.addEventListener("click", (e) => { e.preventDefault(); window.location.reload(); });
    }
    const bulk = document.getElementById("bulk-form");
    if (bulk && window.fetch) {
      bulk.addEventListener("submit", async (e) => {
        e.preventDefault();
        const response = await fetch(bulk.action, { method: "POST", body: new FormData(bulk), headers: { Accept: "application/json" } });
        const body = await response.json();
        for (const id of body.confirmed || []) {
          const item = document.getElementById("q" + id);
          if (item) item.classList.add("done");
        }
        deskStatus((body.ok ? "已保存：" : "") + (body.message || body.error || ""), !body.ok);
      });
    }
  }

  // --- issue 19: the queue by keyboard --------------------------------------------------------

  function queueKeys() {
    const items = Array.from(document.querySelectorAll("article.queue-item"));
    const help = document.getElementById("keys-help");
    if (!items.length && !help) return;
    let index = -1;
    function go(i) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, i));
      items.forEach((el, k) => el.classList.toggle("current", k === index));
      items[index].focus({ preventScroll: true });
      items[index].scrollIntoView({ block: "center" });
    }
    async function choose(value) {
      if (index < 0) go(0);
      const form = items[index].querySelector("form.area-form");
      if (!form) return;
      form.querySelector("select[name=area]").value = value;
      if (await saveForm(form)) go(index + 1);
    }
    document.addEventListener("keydown", (e) => {
      const tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "?") { if (help) help.hidden = !help.hidden; e.preventDefault(); return; }
      if (e.key === "Escape" && help) { help.hidden = true; return; }
      if (!items.length) return;
      if (e.key === "j" || e.key === "J") { go(index + 1); e.preventDefault(); }
      else if (e.key === "k" || e.key === "K") { go(index - 1); e.preventDefault(); }
      else if (/^[0-6]$/.test(e.key)) { choose(e.key); e.preventDefault(); }
      else if (e.key === "Enter" && tag !== "button" && tag !== "a") { choose("confirm"); e.preventDefault(); }
    });
  }

  // --- issue 19: sortable tables -------------------------------------------------------------
  // A table marked `sortable` gets a button in each header cell; a click sorts the body's rows
  // by that column (a cell's data-sort when it has one, else its text; numbers as numbers),
  // again for the other direction. Without JavaScript the table keeps the server's order.

  function sortableTables() {
    for (const table of document.querySelectorAll("table.sortable")) {
      const body = table.tBodies[0];
      const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
      heads.forEach((th, col) => {
        if (th.classList.contains("nosort")) return;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.title = "点击排序";
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        button.addEventListener("click", () => {
          const up = th.getAttribute("aria-sort") !== "ascending";
          heads.forEach((h) => h.removeAttribute("aria-sort"));
          th.setAttribute("aria-sort", up ? "ascending" : "descending");
          const key = (row) => {
            const cell = row.cells[col];
            if (!cell) return "";
            const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
            const n = Number(raw.replace(/,/g, ""));
            return raw !== "" && !Number.isNaN(n) ? n : raw;
          };
          const rows = Array.from(body.rows);
          rows.sort((a, b) => {
            const x = key(a), y = key(b);
            const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
            return up ? c : -c;
          });
          for (const row of rows) body.appendChild(row);
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    uploadCheck(); progress(); uploadControl(); saveWithoutReload(); queueKeys(); sortableTables();
  });
})();

// The document page: the passage's box on the page image follows the passage pointed at or
// linked (#p123, #sp123); the server marks `?passage=` without script.
(() => {
  const mark = (id) => {
    for (const el of document.querySelectorAll(".passage-box.on, .page-text p.on")) el.classList.remove("on");
    for (const el of document.querySelectorAll(`[data-box="${id}"], .page-text p[data-passage="${id}"]`)) el.classList.add("on");
  };
  const fromHash = () => {
    const m = /^#s?p(\d+)$/.exec(location.hash);
    if (m) mark(m[1]);
  };
  document.addEventListener("DOMContentLoaded", () => {
    for (const p of document.querySelectorAll(".page-text p[data-passage]")) {
      p.addEventListener("mouseenter", () => mark(p.dataset.passage));
    }
    fromHash();
  });
  window.addEventListener("hashchange", fromHash);
})();
