/* What the order page uses of Stripe.js v3, paying through localstripe's HTTP API.

   localstripe's own script (/js.stripe.com/v3/) fakes only the card Element: createToken,
   and confirmCardPayment for a payment the server already confirmed. It has no Payment
   Element and no confirmPayment, which our page calls as on Stripe. This stand-in offers
   those, with Stripe's documented shapes: Stripe(key, options), elements({clientSecret}),
   create("payment").mount(target), and confirmPayment({elements, confirmParams}) that
   creates the card's PaymentMethod, confirms the PaymentIntent and, when it succeeded,
   leaves for return_url with Stripe's query (payment_intent, …, redirect_status); a
   refusal resolves to {error: {type, code, message}} and the page stays.

   localstripe wants the secret key for these calls, which Stripe's API takes from the
   browser with the publishable key: the test's page.route adds it on the way out. */
(function () {
  "use strict";
  var api = document.currentScript.src.replace(/\/js\.stripe\.com\/v3\/?(\?.*)?$/, "");

  function encode(params, prefix, out) {
    Object.keys(params).forEach(function (key) {
      var name = prefix ? prefix + "[" + key + "]" : key;
      var value = params[key];
      if (value !== null && typeof value === "object") {
        encode(value, name, out);
      } else {
        out.push(encodeURIComponent(name) + "=" + encodeURIComponent(value));
      }
    });
    return out;
  }

  function post(path, params) {
    return fetch(api + path, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: encode(params, "", []).join("&")
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok || body.error) {
          var error = body.error || {};
          throw {type: "card_error", code: error.code || "", message: error.message || "Your card was declined."};
        }
        return body;
      });
    });
  }

  function field(parent, name, label, placeholder) {
    var wrapper = document.createElement("label");
    wrapper.textContent = label;
    var input = document.createElement("input");
    input.name = name;
    input.placeholder = placeholder;
    input.autocomplete = "off";
    input.inputMode = "numeric";
    wrapper.appendChild(input);
    parent.appendChild(wrapper);
    return input;
  }

  function PaymentElement() {
    this.inputs = null;
  }
  PaymentElement.prototype.mount = function (target) {
    var parent = typeof target === "string" ? document.querySelector(target) : target;
    var box = document.createElement("div");
    box.className = "stripe-stand-in";
    this.inputs = {
      number: field(box, "cardnumber", "Card number", "4242 4242 4242 4242"),
      expiry: field(box, "exp-date", "Expiry", "MM / YY"),
      cvc: field(box, "cvc", "CVC", "123")
    };
    parent.appendChild(box);
  };
  PaymentElement.prototype.card = function () {
    var expiry = this.inputs.expiry.value.split("/");
    return {
      number: this.inputs.number.value.replace(/\s+/g, ""),
      exp_month: (expiry[0] || "").trim(),
      exp_year: (expiry[1] || "").trim(),
      cvc: this.inputs.cvc.value.trim()
    };
  };

  window.Stripe = function (publishableKey) {
    return {
      elements: function (options) {
        var element = null;
        return {
          clientSecret: options.clientSecret,
          create: function (type) {
            if (type !== "payment") {
              throw new Error("This stand-in offers the Payment Element only, not " + type);
            }
            element = new PaymentElement();
            return element;
          },
          getElement: function () {
            return element;
          }
        };
      },
      confirmPayment: function (request) {
        var secret = request.elements.clientSecret;
        var intent = secret.split("_secret_")[0];
        return post("/v1/payment_methods", {type: "card", card: request.elements.getElement().card(), key: publishableKey})
          .then(function (method) {
            return post("/v1/payment_intents/" + intent, {payment_method: method.id});
          })
          .then(function () {
            return post("/v1/payment_intents/" + intent + "/confirm", {});
          })
          .then(function (confirmed) {
            if (confirmed.status === "succeeded" || confirmed.status === "processing") {
              var back = new URL(request.confirmParams.return_url);
              back.searchParams.set("payment_intent", intent);
              back.searchParams.set("payment_intent_client_secret", secret);
              back.searchParams.set("redirect_status", "succeeded");
              window.location.assign(back.toString());
              return new Promise(function () {});
            }
            var error = confirmed.last_payment_error || {};
            return {error: {type: "card_error", code: error.code || "", message: error.message || ""}};
          })
          .catch(function (error) {
            return {error: error};
          });
      }
    };
  };
})();
