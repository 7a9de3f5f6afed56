// Stripe's Payment Element in billing's forms: the card is typed into Stripe's frame, Stripe makes
// a PaymentMethod, and only its id goes into the form (the portal never sees the card). On a
// receipt waiting for the bank, the same file runs the bank's confirmation step (3-D Secure).
(function () {
  "use strict";
  if (typeof window.Stripe !== "function") return;

  function setUpCard(box) {
    var form = box.closest("form");
    var hidden = document.getElementById(box.dataset.field);
    var error = box.parentElement.querySelector("[data-card-error]");
    var stripe = window.Stripe(box.dataset.stripeKey);
    var options = {
      mode: "payment",
      amount: parseInt(box.dataset.amount, 10),
      currency: "usd",
      paymentMethodCreation: "manual",
      paymentMethodTypes: ["card"],
      locale: document.documentElement.lang || "auto",
    };
    if (box.dataset.keep) options.setupFutureUsage = "off_session";
    var elements = stripe.elements(options);
    elements.create("payment").mount(box);
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (hidden.value || sending) return;
      event.preventDefault();
      sending = true;
      error.textContent = "";
      elements.submit().then(function (checked) {
        if (checked.error) throw checked.error;
        return stripe.createPaymentMethod({ elements: elements });
      }).then(function (made) {
        if (made.error) throw made.error;
        hidden.value = made.paymentMethod.id;
        form.submit();
      }).catch(function (problem) {
        sending = false;
        error.textContent = problem.message || "";
      });
    });
  }

  function confirmWithBank(button) {
    var stripe = window.Stripe(button.dataset.stripeKey);
    button.addEventListener("click", function () {
      button.disabled = true;
      stripe.handleNextAction({ clientSecret: button.dataset.secret }).then(function () {
        // Whatever the bank said, the receipt asks again (Stripe's webhook settles the payment).
        window.location.reload();
      });
    });
  }

  document.querySelectorAll("[data-stripe-key][data-field]").forEach(setUpCard);
  document.querySelectorAll("[data-stripe-next-action]").forEach(confirmWithBank);
})();
