// A collapsed part of an admin form (a <details>: a fieldset or an inline with the
// "collapse" class) opens when it holds an error, so "Please correct the error below"
// points at something the organizer can see.
document.addEventListener("DOMContentLoaded", () => {
  for (const details of document.querySelectorAll("details")) {
    if (details.querySelector(".errorlist")) details.open = true;
  }
});
