// Pictures that follow a slider: the server sends one picture per value of a slider on the
// same page, and the picture for the slider's value is shown the moment the slider moves,
// before the script has rerun. If the slider cannot be found, the server's value is used.
//
// The server sends a set of pictures once; later runs name the set only. The last few
// sets are kept here (this module lives as long as the browser tab), so a picture view
// that is closed and reopened finds its pictures again; a set that is not here is asked
// for again.

const kept = new Map(); // picture set → { value: picture }, oldest first
const KEEP = 4;
const askedFor = new Set();

function keep(set, pictures) {
  askedFor.delete(set);
  kept.delete(set);
  kept.set(set, pictures);
  while (kept.size > KEEP) kept.delete(kept.keys().next().value);
}

function sliderInput(label) {
  return document.querySelector(`input[type="range"][aria-label="${CSS.escape(label)}"]`);
}

function figureFor(value, picture) {
  const figure = document.createElement("figure");
  figure.className = "slider-picture";
  figure.dataset.value = value;
  const img = document.createElement("img");
  img.src = picture.src;
  img.alt = picture.caption;
  img.width = picture.width;
  img.height = picture.height;
  if (picture.pixelated) img.classList.add("pixelated");
  img.decode().catch(() => {}); // decoded now, so showing it later costs no frame
  const caption = document.createElement("figcaption");
  caption.textContent = picture.caption;
  figure.append(img, caption);
  return figure;
}

// Show the picture for this slider value (or, without one, for the server's value).
function show(root, value) {
  const wanted = String(value) in root.pictures ? String(value) : String(root.current);
  for (const figure of root.children) figure.hidden = figure.dataset.value !== wanted;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.pictures) keep(data.set, data.pictures);
  let root = parentElement.querySelector(".slider-pictures");
  if (!root) {
    root = document.createElement("div");
    root.className = "slider-pictures";
    root.pictures = {};
    parentElement.appendChild(root);
  }
  root.slider = data.slider;
  root.current = data.current;
  if (root.dataset.set !== data.set) {
    const pictures = kept.get(data.set);
    if (pictures) {
      root.replaceChildren(...Object.entries(pictures).map(([value, picture]) => figureFor(value, picture)));
      root.dataset.set = data.set;
      root.pictures = pictures;
    } else if (!askedFor.has(data.set)) {
      // Not here (its message was overtaken by a newer run's, or it is long gone): ask
      // once, and keep showing what is here until it comes.
      askedFor.add(data.set);
      setTriggerValue("missing", data.set);
    }
  }
  const input = sliderInput(data.slider);
  show(root, input ? input.value : data.current);

  // Streamlit redraws the slider's thumb (and may remount it): watch its value anywhere
  // on the page, for key presses and drags alike. This function runs again on every
  // rerun, but the cleanup only when the pictures leave the page: one watcher per root.
  if (!root.watcher) {
    root.watcher = new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.target.getAttribute("aria-label") === root.slider) show(root, change.target.value);
      }
    });
    root.watcher.observe(document.body, { attributes: true, attributeFilter: ["aria-valuetext"], subtree: true });
  }
  return () => {
    root.watcher?.disconnect();
    root.watcher = null;
  };
}
