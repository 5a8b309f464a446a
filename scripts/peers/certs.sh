#!/usr/bin/env bash
# Makes the throw-away test PKI under $HERALD_PEERS_STATE/certs: a private CA, a server certificate for
# "localhost" (SAN DNS:localhost, IP:127.0.0.1, IP:::1) and a client certificate (CN user@example.test).
# Idempotent: keeps existing files unless FORCE=1. up.sh runs it.
#
#   ca.pem (= ca.crt)                       the CA every peer's certificate chains to
#   server.crt server.key server.pem        leaf, key, key+leaf in one file
#   server-chain.pem server.pfx             leaf+CA; PKCS#12 (password "password")
#   client.crt client.key client.pem        client leaf, key, key+leaf
#   client.pfx                              PKCS#12 with the CA (password "password")
set -euo pipefail
STATE="${HERALD_PEERS_STATE:-/tmp/herald-peers}"
D="$STATE/certs"
mkdir -p "$D"; chmod 755 "$STATE" "$D"
if [ -s "$D/ca.pem" ] && [ -s "$D/server.pem" ] && [ -s "$D/client.pfx" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "certs.sh: certificates already in $D"; exit 0
fi
cd "$D"
DAYS=3650
# CA
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $DAYS \
  -keyout ca.key -out ca.pem -subj "/O=Herald Test/CN=Herald Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cp ca.pem ca.crt
# Server certificate for localhost, by name and by both loopback addresses
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/O=Herald Test/CN=localhost" 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $DAYS -sha256 \
  -extfile server.ext -out server.crt 2>/dev/null
cat server.crt ca.pem > server-chain.pem
cat server.key server.crt > server.pem
# Client certificate (for the Postfix port that requires one)
cat > client.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectAltName=email:user@example.test
EXT
openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/O=Herald Test/CN=user@example.test" 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $DAYS -sha256 \
  -extfile client.ext -out client.crt 2>/dev/null
cat client.key client.crt > client.pem
openssl pkcs12 -export -in client.crt -inkey client.key -certfile ca.pem -out client.pfx -passout pass:password -name "herald test client"
openssl pkcs12 -export -in server.crt -inkey server.key -certfile ca.pem -out server.pfx -passout pass:password -name localhost
rm -f server.csr client.csr server.ext client.ext
# These keys protect nothing: the unprivileged peers (and tests run as any user) may read them.
chmod 644 ./*.pem ./*.crt ./*.pfx ./*.key
openssl verify -CAfile ca.pem server.crt client.crt
echo "certs.sh: wrote $D (ca.pem, server.crt/.key/.pem/-chain.pem/.pfx, client.crt/.key/.pem/.pfx; pfx password 'password')"
