# Plack::Middleware::CrossOrigin (Debian 0.014) with origins => '*' and credentials => 1:
# "*" cannot go with credentials, so the middleware echoes every Origin, null included,
# with Access-Control-Allow-Credentials: true. Twin: crossorigin_public.psgi.
use strict;
use warnings;
use Plack::Builder;

my $app = sub { [200, ['Content-Type' => 'application/json'], ["{\"items\": []}\n"]] };
builder {
    enable 'CrossOrigin', origins => '*', methods => ['GET', 'HEAD', 'POST'], credentials => 1;
    $app;
};
