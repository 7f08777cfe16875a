// infocity: a little plain JavaScript. Pages work without it; it adds the upload pre-check and
// the live ingest progress. Text from the server is always set with textContent, never as HTML.
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

  document.addEventListener("DOMContentLoaded", () => { uploadCheck(); progress(); });
})();
