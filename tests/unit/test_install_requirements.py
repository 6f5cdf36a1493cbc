"""The set-up's installer hands uv the package sources pip is configured with."""
from scripts.install_requirements import pip_sources

CONFIG = """:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/somewhere/else'
"""


def test_every_source_pip_uses_reaches_uv():
    args = pip_sources(CONFIG)
    pairs = list(zip(args[::2], args[1::2]))
    assert ("--extra-index-url", "file:///opt/pypi/simple") in pairs
    assert ("--extra-index-url", "file:///opt/pypi-more/simple") in pairs
    assert ("--constraints", "/etc/xdg/pip/constraints.txt") in pairs
    # an environment variable wins over a configuration file, as in pip
    assert ("--find-links", "/opt/wheels") in pairs
    assert ("--find-links", "/somewhere/else") not in pairs
    assert not any("cert" in a for a in args)  # not a package source


def test_no_configuration_means_uvs_defaults():
    assert pip_sources("") == []
    assert pip_sources("global.no-index='true'\n") == ["--no-index"]
    assert pip_sources("global.no-index='false'\n") == []
