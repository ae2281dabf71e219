"""Ships the top-level web/ folder (templates and static files) inside the package as
mediaserver.web; everything else about the build is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["mediaserver*"]), "mediaserver.web"],
    package_dir={"mediaserver.web": "web"},
)
