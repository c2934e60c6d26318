// A real OpenID Connect provider for the tests: panva's oidc-provider (certified), on loopback, with its
// development login and consent pages. Configured by OIDC_CONFIG (JSON): issuer port, clients, and the
// accounts' claims by login name — each login typed on the provider's page becomes that account.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    corporate: ['corporate_number', 'corporate_name'],
  },
  scopes: ['openid', 'email', 'profile', 'corporate'],
  async findAccount(ctx, id) {
    const claims = config.accounts[id] ?? {};
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['tokku-test-only-cookie-key'] },
  ttl: { IdToken: 600, AccessToken: 600, Interaction: 600, Session: 600, Grant: 600 },
});
provider.proxy = false;
provider.listen(config.port, '127.0.0.1', () => console.log(`oidc-provider ready at ${issuer}`));
