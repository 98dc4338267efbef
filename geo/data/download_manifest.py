"""Where every public source file comes from, and its known-good sha256.

One :class:`Source` per file of the data layout (``cbs/``, ``pc4/``, ``population/``,
``schools/``, ``swv/``; the same as ``../shared/data``). The sha256 and byte counts were
computed once from the verified copies in ``../shared/data`` (see each folder's SOURCES.md)
and are the values a download must reproduce.

Four ways to make a file (:attr:`Source.make`):

- ``"copy"``: download :attr:`Source.urls` byte for byte;
- ``"unzip"``: extract :attr:`Source.member` from the layout file :attr:`Source.derived_from`;
- ``"swv_annex"``: download the Regeling's XML and turn its annex table into the CSV
  (:func:`geo.data.swv_annex.annex_to_csv`);
- ``"mirror_only"``: the file has no public address as-is (it was converted from the public
  file at :attr:`Source.urls`, which is informative only); it can be fetched from a mirror
  (``--base-url``) only. ``pc4/pc4_2020_inwoners_2021.geojson`` is such a file: the CBS PC4
  polygons as republished in the R package certegis (``.rda``), converted to GeoJSON with the
  CBS inhabitants joined (see ``pc4/SOURCES.md``).

With a mirror (``--base-url``) every file is a plain copy of ``<base-url>/<path>``.

>>> by_path = {s.path: s for s in MANIFEST}
>>> by_path["cbs/gemeente_2025.topojson"].urls[0]
'https://cartomap.github.io/nl/wgs84/gemeente_2025.topojson'
>>> by_path["schools/duo_scholen_20241122.geojson"].derived_from
'schools/scholen20241122.geo.zip'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Make = Literal["copy", "unzip", "swv_annex", "mirror_only"]


@dataclass(frozen=True)
class Source:
    """One file of the data layout and how to obtain it.

    >>> s = Source("cbs/x.topojson", ("https://example.org/x.topojson",), "0" * 64, 10)
    >>> (s.name, s.group)
    ('x', 'cbs')
    """

    path: str
    """Relative POSIX path in the layout, e.g. ``cbs/gemeente_2025.topojson``."""
    urls: tuple[str, ...]
    """Public addresses, tried in order (for ``unzip``: the address of the archive, informative)."""
    sha256: str
    """Known-good sha256 (hex) of the file as it must end up in the layout."""
    size: int
    """Known-good size in bytes."""
    make: Make = "copy"
    derived_from: str | None = None
    """For ``unzip``: the layout path of the archive."""
    member: str | None = None
    """For ``unzip``: the archive member to extract."""

    @property
    def name(self) -> str:
        """Short name for ``--only``: the file name without its extensions."""
        return PurePosixPath(self.path).name.split(".")[0]

    @property
    def group(self) -> str:
        """The layout folder (``cbs``, ``pc4``, ``population``, ``schools``, ``swv``)."""
        return PurePosixPath(self.path).parts[0]


_CARTOMAP = "https://cartomap.github.io/nl/wgs84"
_RAW = "https://raw.githubusercontent.com"
_KWB = (
    f"{_RAW}/niquedegraaff/Wikipedia-Generator-CBS-Kerncijfers-Wijken-en-Buurten/"
    "5598198273babd9816e156b4eeb43626f351a17f/2024/cbs_data"
)
_GEOINZICHT = f"{_RAW}/AnneVersion/geoinzicht-app/167d2924cc99b8748885f0bda2f5152dbe2fd3ae"
_SCHOLEN = f"{_RAW}/edugis-repo/data-nl-scholen/d1feb2c262a00bed52412d718ced79d02cb6b194"
_CERTEGIS = (
    # The R package certegis at the commit that last changed its PC4 polygons (2022-06-10).
    f"{_RAW}/certe-medical-epidemiology/certegis/0438ae5a68dd758bf150529f78ff6cacad924e45"
)
_REGELING_XML = (
    # The XML of the consolidated text valid on 2015-04-23. The second address is the BWB
    # repository of KOOP; neither could be tried from the development machine (no internet).
    "https://wetten.overheid.nl/BWBR0032324/2015-04-23/0/xml",
    "https://repository.officiele-overheidspublicaties.nl/bwb/BWBR0032324/2015-04-23_0/xml/"
    "BWBR0032324_2015-04-23_0.xml",
)


def _cbs(stem: str, sha256: str, size: int) -> Source:
    return Source(f"cbs/{stem}.topojson", (f"{_CARTOMAP}/{stem}.topojson",), sha256, size)


MANIFEST: tuple[Source, ...] = (
    _cbs(
        "gemeente_2025", "12f0da7537f29582ae20ba43713cf7291dcc61bfbe81914febbbf95b3945d077", 131807
    ),
    _cbs(
        "gemeente_2015", "7391514e2226a609df91c2a0d1d21c1db8f34225e88de67c704f47e89d72438f", 146066
    ),
    _cbs(
        "jeugdregio_2025", "e791519421eac41ced0bd5c9d40f57487d6e7c978bf40c9d2329c4ee7b739498", 27208
    ),
    _cbs(
        "provincie_2025", "f36dd9c50f81d701b8a86a79c9f04b5b51b2eba1170286ae07ed0e57dcf2e04f", 15268
    ),
    _cbs(
        "ggdregio_2025", "8481582e5e0b3297f9ff12f2190a93b66e2efbc481f2101479d2abc36ca8d2ec", 20868
    ),
    _cbs(
        "veiligheidsregio_2025",
        "22636f418b24964488a90debfb6fc7f8b5c2ab001732428e3b141d42cfedf954",
        21008,
    ),
    _cbs(
        "arbeidsmarktregio_2025",
        "0513a585d703071e42ca46285dd432258c3731d2e0396808fac931df0ee1919e",
        24947,
    ),
    Source(
        "pc4/pc4_2020_inwoners_2021.geojson",
        (f"{_CERTEGIS}/data/geo_postcodes4.rda",),
        "8aafea107741b510f06c047dc7adb7f5e055226e87a8566eae3dce4ae64e3146",
        8692951,
        make="mirror_only",
    ),
    Source(
        "population/cbs_kwb2024_85984NED_gm_wk_stripped.json",
        (f"{_KWB}/stripped_filtered_data_2024.json",),
        "d38c4cf214a7affc45189c1dc3a8d50339951644b9dcba7403a81ef38fcdd437",
        964523,
    ),
    Source(
        "population/cbs_kwb2024_85984NED_TableInfos.json",
        (f"{_KWB}/TableInfos.json",),
        "f7ad4c22a8d2a313ab3e5fb04f7eade487ff9360908d577a6058e5d9512ad08c",
        10731,
    ),
    Source(
        "population/cbs_kwb2024_85984NED_DataProperties.json",
        (f"{_KWB}/DataProperties.json",),
        "3fe8c50c9fae7e58e24bf889987b2cb81c6e3d5da48857d7370cb8aefc035b3a",
        122982,
    ),
    Source(
        "population/geoinzicht_gemeenten_2023.geojson",
        (f"{_GEOINZICHT}/gemeenten_2023.geojson",),
        "7fbf845255b7a9a3e4af8faae277d5f283631e681c886965a3ca95fe12ec35b9",
        1040634,
    ),
    Source(
        "population/geoinzicht_gemeenten_2024.geojson",
        (f"{_GEOINZICHT}/gemeenten_2024.geojson",),
        "f78a856913305182187e37ed583b15d4bba12e3930536c00196f49cc923fc63e",
        1094288,
    ),
    Source(
        "schools/scholen20241122.geo.zip",
        (f"{_SCHOLEN}/scholen20241122.geo.zip",),
        "3a398ec70d15c5a088dfef2e585f54d462004f962857adb0287fff3bceb4ac33",
        792119,
    ),
    Source(
        "schools/duo_scholen_20241122.geojson",
        (f"{_SCHOLEN}/scholen20241122.geo.zip",),
        "9b93d643c6dfa1a8e94994ed21b8bca5acf6ecd93aeebcc0814983e96c006456",
        4976736,
        make="unzip",
        derived_from="schools/scholen20241122.geo.zip",
        member="scholen.geo.json",
    ),
    Source(
        "swv/swv_pc4_2015.csv",
        _REGELING_XML,
        "982daf6426bbf98d800041d99e5705ebd68180129bf63f2fddcb3817322bd2cc",
        124924,
        make="swv_annex",
    ),
)
"""Every file of the layout, in an order where archives come before what is extracted from them."""
