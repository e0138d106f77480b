# The twin of crossorigin_credentials.psgi: a public API, origins => '*' without credentials.
use strict;
use warnings;
use Plack::Builder;

my $app = sub { [200, ['Content-Type' => 'application/json'], ["{\"items\": []}\n"]] };
builder {
    enable 'CrossOrigin', origins => '*', methods => ['GET', 'HEAD', 'POST'];
    $app;
};
