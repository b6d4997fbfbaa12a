// A loopback OpenID Connect provider for the sign-in browser test (tests/test_browser_auth.py).
//
// Built on the certified `oidc-provider` package. Usage:
//   node provider.mjs CONFIG.json
// CONFIG.json: {"port": 0-65535, "client_id": "...", "client_secret": "...", "redirect_uri": "...",
//               "accounts": {"login-name": {"email": "...", "name": "..."}, ...}}
// It listens on 127.0.0.1 only, prints "READY <issuer>" on stdout when it accepts connections, and serves its
// development login page (any password; a login name that is not one of the accounts cannot sign in).
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    post_logout_redirect_uris: [new URL(config.redirect_uri).origin + "/"],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: true, name: account.name || id };
      },
    };
  },
  // The test's client is first-party: grant the scopes it asks for without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
  // Streamlit reads the user's e-mail from the ID token (not from the userinfo endpoint), as Entra ID sends it.
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["test-only-cookie-key-not-a-secret"] },
});
provider.proxy = false;


provider.listen(config.port, "127.0.0.1", () => {
  console.log(`READY ${issuer}`);
});
