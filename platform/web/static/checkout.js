/* The order page's payment through Stripe's Payment Element (card, and Alipay and WeChat Pay
   where the currency allows). The buyer's name and e-mail are saved first; Stripe then
   confirms the payment and returns to the order page, which shows what our database knows.
   Everything it needs is on #payment-element: the page carries no inline script. */
(function () {
  "use strict";
  var mount = document.getElementById("payment-element");
  var form = document.getElementById("pay-form");
  if (!mount || !form || !mount.dataset.clientSecret) {
    return;
  }
  var data = mount.dataset;
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");
  if (typeof window.Stripe !== "function") {
    message.textContent = data.unavailable;
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(data.publishableKey, {locale: data.locale});
  var elements = stripe.elements({clientSecret: data.clientSecret});
  elements.create("payment").mount(mount);

  function fail(text) {
    message.textContent = text || data.failed;
    button.disabled = false;
  }

  function saveBuyer() {
    return fetch(data.buyerApi, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        buyer_name: form.elements.buyer_name.value,
        buyer_email: form.elements.buyer_email.value,
        language: data.lang
      })
    }).then(function (saved) {
      if (saved.ok) {
        return null;
      }
      return saved.json().then(function (body) {
        var first = Object.values(body.errors || {})[0];
        return first ? first.message[data.lang] : data.failed;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    saveBuyer()
      .then(function (refused) {
        if (refused) {
          return {error: {message: refused}};
        }
        // On success Stripe leaves for return_url; only a refusal comes back here.
        return stripe.confirmPayment({elements: elements, confirmParams: {return_url: data.returnUrl}});
      })
      .then(function (result) {
        if (result && result.error) {
          fail(result.error.message);
        }
      })
      .catch(function () {
        fail("");
      });
  });
})();
