module github.com/acme/payments

go 1.21

require (
	github.com/dgrijalva/jwt-go v3.2.0+incompatible
	github.com/lib/pq v1.10.9
	golang.org/x/net v0.17.0
)
