#!/usr/bin/env bash
# Regenerates the TLS test fixtures (valid for 20,000 days, about 55 years, from the day they are made).
# Run from this folder: ./make-fixtures.sh
set -euo pipefail
DAYS=20000
ext() { printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$1" "$2"; }
ca() {  # name subject
    openssl ecparam -name prime256v1 -genkey -noout -out "$1-key.pem.tmp"
    openssl pkcs8 -topk8 -nocrypt -in "$1-key.pem.tmp" -out "$1-key.pem"; rm "$1-key.pem.tmp"
    openssl req -x509 -new -key "$1-key.pem" -sha256 -days $DAYS -subj "$2" -out "$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name keytype subject ca usage san
    if [ "$2" = rsa ]; then openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1-key.pem"
    else openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1-key.pem"; fi
    openssl req -new -key "$1-key.pem" -subj "$3" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4-key.pem" -CAcreateserial -days $DAYS -sha256 \
        -extfile <(ext "$5" "$6") -out "$1.pem"
    rm "$1.csr"
}
ca ca "/CN=swift-httpd test CA"
ca client-ca "/CN=swift-httpd test client CA"
ca rogue-ca "/CN=someone else's CA"
leaf server-rsa rsa "/CN=localhost" ca serverAuth "DNS:localhost,IP:127.0.0.1,IP:::1"
leaf server-ec ec "/CN=localhost" ca serverAuth "DNS:localhost,IP:127.0.0.1,IP:::1"
leaf a-example ec "/CN=a.example" ca serverAuth "DNS:a.example"
leaf b-example ec "/CN=b.example" ca serverAuth "DNS:b.example,DNS:*.b.example"
leaf client ec "/CN=alice/O=swift-httpd tests" client-ca clientAuth "DNS:alice.example"
leaf rogue-client ec "/CN=mallory" rogue-ca clientAuth "DNS:mallory.example"
rm -f ./*.srl rogue-ca-key.pem
