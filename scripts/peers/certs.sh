#!/usr/bin/env bash
# Makes the throw-away test PKI under $HERALD_PEERS_STATE/certs: a private CA, a server certificate for
# "localhost" (SAN DNS:localhost, IP:127.0.0.1, IP:::1) and a client certificate (CN user@example.test).
# up.sh runs it.
#
#   ca.pem (= ca.crt)                       the CA every peer's certificate chains to
#   server.crt server.key server.pem        leaf, key, key+leaf in one file
#   server-chain.pem server.pfx             leaf+CA; PKCS#12 (password "password")
#   client.crt client.key client.pem        client leaf, key, key+leaf
#   client.pfx                              PKCS#12 with the CA (password "password")
#   recipe                                  the SHA-256 of this script when it made the files
#
# Keeps the files it finds only when they were made by this very script (same recipe), are all there, chain to the
# CA, match their keys and stay valid for 30 more days; otherwise (or with FORCE=1) it makes new ones. So a state
# directory left behind by an older version of this script never outlives a change of subjects, names or key sizes.
# New files are made in a scratch folder and moved into place one by one, under a lock, so a concurrent run never
# sees a key next to another key's certificate.
# Exit status 0 either way; the last line says "kept" or "wrote".
set -euo pipefail
STATE="${HERALD_PEERS_STATE:-/tmp/herald-peers}"
D="$STATE/certs"
mkdir -p "$D"; chmod 755 "$STATE" "$D"
RECIPE=$(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)
FILES=(ca.pem ca.crt ca.key server.crt server.key server.pem server-chain.pem server.pfx
       client.crt client.key client.pem client.pfx)
exec 8>"$D/.lock"
flock 8

current() {
  [ "$(cat "$D/recipe" 2>/dev/null)" = "$RECIPE" ] || return 1
  local f
  for f in "${FILES[@]}"; do [ -s "$D/$f" ] || return 1; done
  for f in ca.pem server.crt client.crt; do
    openssl x509 -checkend 2592000 -noout -in "$D/$f" >/dev/null 2>&1 || return 1
  done
  openssl verify -CAfile "$D/ca.pem" "$D/server.crt" "$D/client.crt" >/dev/null 2>&1 || return 1
  for f in server client; do
    [ "$(openssl x509 -noout -pubkey -in "$D/$f.crt")" = "$(openssl pkey -pubout -in "$D/$f.key" 2>/dev/null)" ] || return 1
  done
}
if [ "${FORCE:-0}" != 1 ] && current; then
  echo "certs.sh: kept the certificates in $D (recipe ${RECIPE:0:12})"; exit 0
fi

T=$(mktemp -d "$D/.new.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
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
openssl verify -CAfile ca.pem server.crt client.crt >/dev/null
# These keys protect nothing: the unprivileged peers (and tests run as any user) may read them.
chmod 644 "${FILES[@]}"
# The recipe goes last: a run interrupted before it leaves files that the next run makes again.
rm -f "$D/recipe"
for f in "${FILES[@]}"; do mv -f "$f" "$D/$f"; done
rm -f "$D/ca.srl"
echo "$RECIPE" > "$D/recipe"
echo "certs.sh: wrote $D (ca.pem, server.crt/.key/.pem/-chain.pem/.pfx, client.crt/.key/.pem/.pfx; pfx password 'password')"
