// Files previewed in place (templates/ui/_file_preview.html). A button
//   <button data-preview="<file url>?preview=1" data-preview-kind="image|pdf" data-preview-name="…"
//           data-preview-download="<file url>">
// opens the page's dialog: an image to zoom and rotate, a PDF in the browser's own viewer (an iframe).
// The file comes from its own address, so the server's access check and download audit apply to every
// preview. Delegated: buttons in content htmx swaps in work too. No inline script or style (CSP):
// the transform is set through the CSSOM.
(() => {
  const STEP = 1.25;
  const MIN = 0.25;
  const MAX = 8;
  let scale = 1;
  let angle = 0;
  let opener = null;

  const parts = () => {
    const dialog = document.getElementById("file-preview");
    if (!dialog) return null;
    return {
      dialog,
      title: dialog.querySelector("#file-preview-title"),
      image: dialog.querySelector("[data-testid='preview-image']"),
      frame: dialog.querySelector("[data-testid='preview-pdf']"),
      tools: dialog.querySelector("[data-preview-image-tools]"),
      download: dialog.querySelector("[data-preview-download]"),
    };
  };

  const apply = (image) => {
    image.style.transform = `rotate(${angle}deg) scale(${scale})`;
    image.dataset.scale = String(scale);
    image.dataset.angle = String(angle);
  };

  const open = (button) => {
    const p = parts();
    if (!p) return;
    opener = button;
    scale = 1;
    angle = 0;
    const image = button.dataset.previewKind === "image";
    p.title.textContent = button.dataset.previewName || "";
    p.download.href = button.dataset.previewDownload || button.dataset.preview;
    p.tools.hidden = !image;
    p.image.hidden = !image;
    p.frame.hidden = image;
    if (image) {
      p.frame.removeAttribute("src");
      p.image.alt = button.dataset.previewName || "";
      p.image.src = button.dataset.preview;
      apply(p.image);
    } else {
      p.image.removeAttribute("src");
      p.frame.title = button.dataset.previewName || "";
      p.frame.src = button.dataset.preview;
    }
    p.dialog.showModal();
    // Focus on 关闭, not in the PDF viewer: keys pressed inside the iframe go to the viewer's own
    // document, and Escape would no longer close the dialog.
    const closeButton = p.dialog.querySelector("[data-preview-close]");
    if (closeButton) closeButton.focus();
  };

  const close = () => {
    const p = parts();
    if (!p) return;
    p.dialog.close();
  };

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest("[data-preview]");
    if (button) {
      event.preventDefault();
      open(button);
      return;
    }
    const p = parts();
    if (!p || !p.dialog.contains(target)) return;
    if (target.closest("[data-preview-close]")) close();
    else if (target.closest("[data-preview-zoom]")) {
      const zoomIn = target.closest("[data-preview-zoom]").dataset.previewZoom === "in";
      scale = Math.min(MAX, Math.max(MIN, zoomIn ? scale * STEP : scale / STEP));
      apply(p.image);
    } else if (target.closest("[data-preview-rotate]")) {
      angle = (angle + 90) % 360;
      apply(p.image);
    } else if (target.closest("[data-preview-reset]")) {
      scale = 1;
      angle = 0;
      apply(p.image);
    } else if (target === p.dialog) close(); // a click on the backdrop
  });

  document.addEventListener(
    "close",
    (event) => {
      if (!(event.target instanceof HTMLDialogElement) || event.target.id !== "file-preview") return;
      const p = parts();
      // Stop showing (and loading) the file; the focus goes back to the button that opened it.
      p.image.removeAttribute("src");
      p.frame.removeAttribute("src");
      if (opener && document.contains(opener)) opener.focus();
    },
    true,
  );

  // A PDF viewer that takes the focus when it has loaded gives it back to 关闭 (see open()).
  document.addEventListener(
    "load",
    (event) => {
      const p = parts();
      if (!p || event.target !== p.frame || document.activeElement !== p.frame) return;
      const closeButton = p.dialog.querySelector("[data-preview-close]");
      if (closeButton) closeButton.focus();
    },
    true,
  );
})();
