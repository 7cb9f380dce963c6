// A certified OpenID Provider (panva's oidc-provider) as the lab's peer: a public
// native client `jwt-device-lab`, PKCE required, refresh-token rotation, the device
// flow, revocation, and the provider's own development pages for login and consent.
//
//   node server.mjs PORT      prints "ready <issuer>" once it listens on 127.0.0.1
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'jwt-device-lab',
      application_type: 'native', // RFC 8252: loopback redirects on any port
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true }, // S256 only (the provider's default method set)
  rotateRefreshToken: true,
  issueRefreshToken: async () => true,
  scopes: ['openid', 'offline_access', 'profile'],
  features: {
    devInteractions: { enabled: true }, // its own login and consent pages
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: { AccessToken: 60, RefreshToken: 3600, DeviceCode: 600 },
  // Any login works on the development pages: this one names the account.
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
