# The fixed loopback ports of every peer, sourced by up.sh and status checks.
# tests/Herald.IntegrationTests/Peers.cs holds the same numbers: change both together.
#
# name: the peer; port: where it listens; kind: smtp (plain, STARTTLS where offered), smtp6 (the same on [::1]),
# tls (implicit TLS), http, socks, ssh; proc: the process under $STATE/run that serves it (its log is
# $STATE/logs/<proc>.log); then what the peer offers.
PEERS_TABLE='
postfix-open         25025 smtp   postfix            Postfix open sink: PIPELINING SIZE(10MB) VRFY 8BITMIME DSN ENHANCEDSTATUSCODES SMTPUTF8 CHUNKING STARTTLS; catch-all Maildir
postfix-open-v6      25025 smtp6  postfix            the same service on [::1]:25025
postfix-bare         25026 smtp   postfix            Postfix with most EHLO keywords discarded (no PIPELINING/SIZE/8BITMIME/DSN/ENHANCEDSTATUSCODES/SMTPUTF8/CHUNKING/STARTTLS)
postfix-tls-required 25027 smtp   postfix            Postfix that requires STARTTLS before MAIL (530 5.7.0)
postfix-client-cert  25028 smtp   postfix            Postfix that requires STARTTLS plus a client certificate signed by the test CA
postfix-smtps        25465 tls    postfix            Postfix implicit TLS (wrappermode), same features as 25025
postfix-auth         25587 smtp   postfix            Postfix, AUTH required (Dovecot SASL, offered before and after STARTTLS); unknown example.test users get 550 5.1.1
postfix-auth-smtps   25588 tls    postfix            as 25587 but implicit TLS
postfix-auth-tlsonly 25589 smtp   postfix            as 25587 but AUTH offered only after STARTTLS (smtpd_tls_auth_only)
postfix-auth-cyrus   25586 smtp   postfix            as 25587 but Cyrus SASL (sasldb): PLAIN LOGIN CRAM-MD5 DIGEST-MD5 NTLM SCRAM-SHA-1 SCRAM-SHA-256
dovecot-submission   25590 smtp   dovecot            Dovecot submission server (AUTH required, every Dovecot mechanism, relays to 25025)
dovecot-submissions  25591 tls    dovecot            Dovecot submission, implicit TLS
smtp-sink            25100 smtp   smtp-sink          Postfix smtp-sink, discards everything (fast)
smtp-sink-dump       25101 smtp   smtp-sink-dump     Postfix smtp-sink, dumps each transaction to $STATE/sink-dump
smtp-sink-rcpt5xx    25102 smtp   smtp-sink-rcpt5xx  smtp-sink that hard-rejects every RCPT (500 5.3.0)
smtp-sink-drop-data  25103 smtp   smtp-sink-drop-data smtp-sink that drops the connection (no reply) after the final "." of DATA
aiosmtpd-expn        25200 smtp   aiosmtpd-expn      aiosmtpd: VRFY/EXPN with list answers, captures to $STATE/aiosmtpd/expn
aiosmtpd-helo-only   25201 smtp   aiosmtpd-helo-only aiosmtpd: EHLO -> 500, HELO only (no ESMTP), captures to $STATE/aiosmtpd/helo
node-starttls        25300 smtp   node-starttls      smtp-server (npm): STARTTLS, optional AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2, SIZE 1MB
node-implicit-auth   25301 tls    node-implicit-auth smtp-server: implicit TLS, AUTH required
node-minimal         25302 smtp   node-minimal       smtp-server: no PIPELINING/8BITMIME/SMTPUTF8/ENHANCEDSTATUSCODES/DSN/STARTTLS/AUTH, SIZE without a value (64KB)
node-auth-required   25303 smtp   node-auth-required smtp-server: STARTTLS, AUTH required, AUTH refused before TLS
oauth-introspect     25990 http   oauth-introspect   OAuth2 token introspection (RFC 7662) that Dovecot asks for XOAUTH2/OAUTHBEARER
dante-socks5-auth    10800 socks  dante-socks5-auth  dante SOCKS5, username/password (RFC 1929) only; destinations 127.0.0.0/8 only
dante-socks4         10801 socks  dante-socks4       dante SOCKS4 + SOCKS5 without auth (no SOCKS4a); destinations 127.0.0.0/8 only
ssh-socks            10802 socks  ssh-socks          OpenSSH "ssh -D": SOCKS4, SOCKS4a and SOCKS5 without auth; destinations localhost/127.0.0.1 only
sshd                 10822 ssh    sshd               private sshd that carries the ssh-socks tunnel (key login only, user peerproxy)
tinyproxy-auth       10880 http   tinyproxy-auth     tinyproxy HTTP CONNECT with Basic auth; destinations 127.0.0.1/localhost only
tinyproxy-open       10881 http   tinyproxy-open     tinyproxy HTTP CONNECT without auth; destinations 127.0.0.1/localhost only
'
