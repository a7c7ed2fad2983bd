import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * A development identity provider: one ES256 key, its JWKS served on
 * loopback, and tokens for demo users. Never used outside `npm run dev`.
 */
export interface DevIdentity {
  jwksUrl: string;
  issuer: string;
  audience: string;
  token(sub: string, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startDevIdentity(port: number): Promise<DevIdentity> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'dev-1', alg: 'ES256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(port, '127.0.0.1', resolve),
  );
  const issuer = 'https://identity.seller-finance.dev';
  const audience = 'seller-finance';
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    issuer,
    audience,
    token: (sub, ttlSeconds = 12 * 3600) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'dev-1' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
