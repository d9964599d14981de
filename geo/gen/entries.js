'use strict';
// Explicit, hand-entered inputs of the territory generator (see ../PROVENANCE.md).
//
// Positions are WGS 84 degrees, approximate (typically within 1 km): they are
// compiled by the author from published reference positions of each island
// and checked against its neighbours in Natural Earth; they are not survey
// data. Where an area is given (km²), the island is modelled as a circle of
// the same area (radius = sqrt(area / pi)); a floor of 50 m applies.

const MOFA_SENKAKU =
  'MOFA Japan, "Senkaku Islands" overview (names, areas: GSI 2014 area survey), ' +
  'https://www.mofa.go.jp/a_o/c_m1/senkaku/page1we_000009.html';
const TOKYO_OGASAWARA = 'Ogasawara Village, Tokyo Metropolis (administration); position from published reference coordinates';
const REF = 'administered by Japan; absent from Natural Earth 10m; position from published reference coordinates';

// ISLANDS are administered islands that the base data lacks or draws too
// coarsely. Each becomes land (a circle) and carries a 12 nm sea.
const ISLANDS = [
  // Senkaku Islands, Ishigaki City, Okinawa. Administered by Japan; the
  // Security Consultative Committee (2+2) of 19 April 2019 reconfirmed that
  // Article V applies to them.
  { name: 'Uotsuri-shima', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7453, lon: 123.4850, area_km2: 3.81, source: MOFA_SENKAKU },
  { name: 'Kita-kojima', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7300, lon: 123.5410, area_km2: 0.31, source: MOFA_SENKAKU },
  { name: 'Minami-kojima', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7240, lon: 123.5500, area_km2: 0.40, source: MOFA_SENKAKU },
  { name: 'Kuba-shima', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.9250, lon: 123.6830, area_km2: 0.91, source: MOFA_SENKAKU + ' (22 km NE of Uotsuri)' },
  { name: 'Taishō-jima', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.9230, lon: 124.5580, area_km2: 0.06, source: MOFA_SENKAKU + ' (easternmost)' },
  { name: 'Okino-kitaiwa', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7890, lon: 123.5190, area_km2: 0.03, source: MOFA_SENKAKU + ' (placed 6 km NE of Uotsuri as MOFA states)' },
  { name: 'Okino-minamiiwa', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7790, lon: 123.5500, area_km2: 0.01, source: MOFA_SENKAKU + ' (placed 7.5 km NE of Uotsuri as MOFA states)' },
  { name: 'Tobise', group: 'Senkaku Islands', prefecture: 'Okinawa', lat: 25.7450, lon: 123.5000, area_km2: 0.002, source: MOFA_SENKAKU + ' (placed 1.5 km E of Uotsuri as MOFA states)' },

  // Ogasawara (Bonin) and Izu islands, Tokyo.
  { name: 'Okinotorishima', group: 'Okinotorishima', prefecture: 'Tokyo', lat: 20.4225, lon: 136.0833, radius_m: 2000,
    note: 'atoll: the circle (r = 2 km) stands for the reef\'s low-water line (reef about 4.5 x 1.7 km); the two rocks above high water are tiny',
    source: TOKYO_OGASAWARA + ' (20°25′N 136°05′E)' },
  { name: 'Minamitorishima', group: 'Minamitorishima', prefecture: 'Tokyo', lat: 24.2867, lon: 153.9806, area_km2: 1.51, source: TOKYO_OGASAWARA },
  { name: 'Nishinoshima', group: 'Ogasawara Islands', prefecture: 'Tokyo', lat: 27.2470, lon: 140.8740, area_km2: 4.1, note: 'area grew in the 2013-2020 eruptions', source: TOKYO_OGASAWARA },
  { name: 'Mukojima', group: 'Ogasawara Islands', prefecture: 'Tokyo', lat: 27.6800, lon: 142.1300, area_km2: 2.57, source: TOKYO_OGASAWARA },
  { name: 'Minami-Iōtō', group: 'Ogasawara Islands', prefecture: 'Tokyo', lat: 24.2300, lon: 141.4600, area_km2: 3.54, source: TOKYO_OGASAWARA },
  { name: 'Sōfu-gan (Lot\'s Wife)', group: 'Izu Islands', prefecture: 'Tokyo', lat: 29.7940, lon: 140.3420, area_km2: 0.0001, source: REF },
  { name: 'Sumisu-tō (Smith Island)', group: 'Izu Islands', prefecture: 'Tokyo', lat: 31.4370, lon: 140.0490, area_km2: 0.02, source: REF },
  { name: 'Beyonēsu Retsugan (Bayonnaise Rocks)', group: 'Izu Islands', prefecture: 'Tokyo', lat: 31.8870, lon: 139.9170, area_km2: 0.01, source: REF },
  { name: 'Aogashima', group: 'Izu Islands', prefecture: 'Tokyo', lat: 32.4580, lon: 139.7670, area_km2: 5.97, source: REF },
  { name: 'Hachijō-kojima', group: 'Izu Islands', prefecture: 'Tokyo', lat: 33.1300, lon: 139.6800, area_km2: 3.08, source: REF },
  { name: 'Kōzushima', group: 'Izu Islands', prefecture: 'Tokyo', lat: 34.2100, lon: 139.1400, area_km2: 18.58, source: REF },
  { name: 'Toshima', group: 'Izu Islands', prefecture: 'Tokyo', lat: 34.5200, lon: 139.2800, area_km2: 4.12, source: REF },
  { name: 'Inamba-jima', group: 'Izu Islands', prefecture: 'Tokyo', lat: 33.6500, lon: 139.3000, area_km2: 0.005, source: REF },

  // Okinawa.
  { name: 'Hateruma-jima', group: 'Yaeyama Islands', prefecture: 'Okinawa', lat: 24.0560, lon: 123.7820, area_km2: 12.73, source: REF },
  { name: 'Hatoma-jima', group: 'Yaeyama Islands', prefecture: 'Okinawa', lat: 24.4700, lon: 123.8200, area_km2: 0.96, source: REF },
  { name: 'Tarama-jima', group: 'Miyako Islands', prefecture: 'Okinawa', lat: 24.6550, lon: 124.7000, area_km2: 19.81, source: REF },
  { name: 'Minna-jima', group: 'Miyako Islands', prefecture: 'Okinawa', lat: 24.7350, lon: 124.7000, area_km2: 2.15, source: REF },
  { name: 'Ōgami-jima', group: 'Miyako Islands', prefecture: 'Okinawa', lat: 24.9200, lon: 125.4200, area_km2: 0.24, source: REF },
  { name: 'Oki-Daitō-jima', group: 'Daitō Islands', prefecture: 'Okinawa', lat: 24.4670, lon: 131.1830, area_km2: 1.15, source: REF },
  { name: 'Tori-shima (Kumejima)', group: 'Okinawa Islands', prefecture: 'Okinawa', lat: 26.5940, lon: 126.8310, area_km2: 0.04, source: REF },
  { name: 'Iō-Torishima', group: 'Okinawa Islands', prefecture: 'Okinawa', lat: 27.8770, lon: 128.2230, area_km2: 2.55, source: REF },
  { name: 'Tonaki-jima', group: 'Okinawa Islands', prefecture: 'Okinawa', lat: 26.3700, lon: 127.1400, area_km2: 3.84, source: REF },
  { name: 'Zamami-jima', group: 'Kerama Islands', prefecture: 'Okinawa', lat: 26.2300, lon: 127.3000, area_km2: 6.66, source: REF },
  { name: 'Izena-jima', group: 'Okinawa Islands', prefecture: 'Okinawa', lat: 26.9300, lon: 127.9400, area_km2: 14.19, source: REF },
  { name: 'Kudaka-jima', group: 'Okinawa Islands', prefecture: 'Okinawa', lat: 26.1600, lon: 127.9000, area_km2: 1.38, source: REF },

  // Kagoshima (Tokara and Ōsumi islands).
  { name: 'Iōjima (Mishima)', group: 'Ōsumi Islands', prefecture: 'Kagoshima', lat: 30.7900, lon: 130.2700, area_km2: 11.65, source: REF },
  { name: 'Takeshima (Mishima)', group: 'Ōsumi Islands', prefecture: 'Kagoshima', lat: 30.8120, lon: 130.4200, area_km2: 4.20, source: REF },
  { name: 'Takarajima', group: 'Tokara Islands', prefecture: 'Kagoshima', lat: 29.1470, lon: 129.2070, area_km2: 7.07, source: REF },
  { name: 'Kodakarajima', group: 'Tokara Islands', prefecture: 'Kagoshima', lat: 29.2210, lon: 129.3230, area_km2: 0.98, source: REF },
  { name: 'Tairajima', group: 'Tokara Islands', prefecture: 'Kagoshima', lat: 29.6900, lon: 129.5370, area_km2: 2.08, source: REF },
  { name: 'Kusagaki-shima', group: 'Ōsumi Islands', prefecture: 'Kagoshima', lat: 30.8400, lon: 129.4500, area_km2: 0.4, source: REF },
  { name: 'Uji-guntō', group: 'Uji Islands', prefecture: 'Kagoshima', lat: 31.1800, lon: 129.4700, area_km2: 1.3, source: REF },

  { name: 'Mageshima', group: 'Ōsumi Islands', prefecture: 'Kagoshima', lat: 30.7400, lon: 130.8500, area_km2: 8.2,
    note: 'found missing by the GSI cross-check; lies in the Ōsumi specified strait', source: REF },
  { name: 'Yokoate-jima', group: 'Tokara Islands', prefecture: 'Kagoshima', lat: 28.8100, lon: 128.9950, area_km2: 2.8,
    note: 'found missing by the GSI cross-check', source: REF },

  // Kyushu, Chūgoku, Sea of Japan and Hokkaido.
  { name: 'Oro-no-shima', group: 'Oro-no-shima', prefecture: 'Fukuoka', lat: 33.8670, lon: 130.0350, area_km2: 0.43,
    note: 'found missing by the GSI cross-check', source: REF },
  { name: 'Danjo Me-shima', group: 'Danjo Islands', prefecture: 'Nagasaki', lat: 31.9800, lon: 128.3500, area_km2: 2.2, source: REF },
  { name: 'Danjo Otoko-jima', group: 'Danjo Islands', prefecture: 'Nagasaki', lat: 32.0200, lon: 128.4000, area_km2: 1.0, source: REF },
  { name: 'Okinoshima', group: 'Okinoshima', prefecture: 'Fukuoka', lat: 34.2440, lon: 130.1070, area_km2: 0.97, source: REF },
  { name: 'Mishima (Hagi)', group: 'Mishima', prefecture: 'Yamaguchi', lat: 34.7760, lon: 131.1400, area_km2: 7.7, source: REF },
  { name: 'Hegura-jima', group: 'Hegura-jima', prefecture: 'Ishikawa', lat: 37.8500, lon: 136.9200, area_km2: 0.55, source: REF },
  { name: 'Awashima', group: 'Awashima', prefecture: 'Niigata', lat: 38.4650, lon: 139.2400, area_km2: 9.86, source: REF },
  { name: 'Tobishima', group: 'Tobishima', prefecture: 'Yamagata', lat: 39.1930, lon: 139.5480, area_km2: 2.75, source: REF },
  { name: 'Teuri-tō', group: 'Teuri and Yagishiri', prefecture: 'Hokkaido', lat: 44.4200, lon: 141.3100, area_km2: 5.5, source: REF },
  { name: 'Yagishiri-tō', group: 'Teuri and Yagishiri', prefecture: 'Hokkaido', lat: 44.4300, lon: 141.4200, area_km2: 4.4, source: REF },
  { name: 'Oshima-Kojima', group: 'Oshima-Kojima', prefecture: 'Hokkaido', lat: 41.3600, lon: 139.8000, area_km2: 1.54, source: REF },
  { name: 'Mikomoto-shima', group: 'Izu Peninsula', prefecture: 'Shizuoka', lat: 34.5700, lon: 138.9400, area_km2: 0.03, source: REF },
];

// NOT_ADMINISTERED are islands Japan claims but does not administer. They
// are removed from the base data if present, and their land is used to draw
// the de-facto median line of the sea (Nemuro Strait and off the Habomai
// islands). Natural Earth 10m (v4.1.0) already assigns Etorofu, Kunashiri,
// Shikotan and Shibotsu to Russia and Takeshima to the Republic of Korea;
// the smaller Habomai islets below are absent from it.
const HABOMAI_SRC = 'Habomai islets, claimed by Japan (Nemuro, Hokkaido) and administered by Russia since 1945; position from published reference coordinates';
const NOT_ADMINISTERED = [
  { name: 'Kaigara-jima', group: 'Northern Territories', administered_by: 'Russia', lat: 43.3780, lon: 145.8600, area_km2: 0.01, source: HABOMAI_SRC + ' (about 3.7 km off Nosappu-misaki)' },
  { name: 'Suishō-jima', group: 'Northern Territories', administered_by: 'Russia', lat: 43.4200, lon: 145.9300, area_km2: 13.5, source: HABOMAI_SRC },
  { name: 'Akiyuri-tō', group: 'Northern Territories', administered_by: 'Russia', lat: 43.4400, lon: 146.0000, area_km2: 3.9, source: HABOMAI_SRC },
  { name: 'Yuri-tō', group: 'Northern Territories', administered_by: 'Russia', lat: 43.4200, lon: 146.0600, area_km2: 10.3, source: HABOMAI_SRC },
  { name: 'Taraku-tō', group: 'Northern Territories', administered_by: 'Russia', lat: 43.6300, lon: 146.3300, area_km2: 11.7, source: HABOMAI_SRC },
  { name: 'Takeshima (Liancourt Rocks)', group: 'Takeshima', administered_by: 'Republic of Korea', lat: 37.2420, lon: 131.8660, area_km2: 0.2,
    source: 'claimed by Japan (Okinoshima town, Shimane), administered by the Republic of Korea since 1954; Natural Earth 10m assigns it to South Korea' },
];

// EXCLUDED_AREAS name the regions of NOT_ADMINISTERED land and the sea
// around them, for labelling decisions ("out" because of administration).
// Northern Territories: a box around Etorofu, Kunashiri, Shikotan and the
// Habomai islets; the generator keeps only the part that is Russian land or
// within 12 nm of it and outside Japan's administered territory.
const NORTHERN_TERRITORIES_BOX = [144.90, 43.00, 149.20, 45.75];

// STRAITS are the five specified areas of the Act on the Territorial Sea and
// the Contiguous Zone (Act No. 30 of 1977), Supplementary Provisions para. 2:
// there the territorial sea extends only 3 nm from the baseline, leaving a
// high-seas corridor in the middle. The Enforcement Order (Cabinet Order
// No. 210 of 1977, Art. 3 and 4) fixes each area by coordinates; those
// coordinates were not available to the author offline, so each polygon
// below is the author's approximation of the specified area: it covers the
// narrows between the opposite coasts and ends at lines across each
// entrance. The Japan Coast Guard chart of the specified areas
// (https://www1.kaiho.mlit.go.jp/JODC/ryokai/tokutei/tokutei.html) is the
// reference to check them against. Inside a polygon the generator keeps only
// the 3 nm sea; outside, the 12 nm sea.
const ACT = 'Act on the Territorial Sea and the Contiguous Zone (Act No. 30 of 1977), Supplementary Provisions para. 2; area approximated by the author (see PROVENANCE.md)';
const STRAITS = [
  { name: 'Sōya', label: 'Sōya Strait (La Pérouse)', source: ACT,
    ring: [[141.45, 45.43], [141.65, 45.43], [141.95, 45.50], [142.15, 45.33], [142.75, 45.55], [142.75, 45.95], [141.45, 45.95], [141.45, 45.43]] },
  { name: 'Tsugaru', label: 'Tsugaru Strait', source: ACT,
    ring: [[139.95, 41.35], [140.28, 41.12], [140.45, 41.18], [140.60, 41.23], [140.78, 41.28], [141.00, 41.35], [141.45, 41.40], [141.75, 41.45], [141.75, 41.85], [141.20, 41.86], [140.95, 41.78], [140.72, 41.78], [140.62, 41.80], [140.40, 41.62], [140.05, 41.60], [139.95, 41.35]] },
  { name: 'Tsushima East Channel', label: 'Tsushima Strait (East Channel)', source: ACT,
    ring: [[129.28, 33.75], [129.70, 33.78], [129.80, 33.85], [129.84, 34.20], [129.85, 35.00], [129.50, 35.00], [129.50, 34.80], [129.40, 34.60], [129.28, 34.30], [129.28, 33.75]] },
  { name: 'Tsushima West Channel', label: 'Tsushima Strait (West Channel)', source: ACT,
    ring: [[128.70, 33.75], [129.28, 33.75], [129.28, 34.30], [129.40, 34.60], [129.50, 34.80], [129.50, 35.00], [128.70, 35.00], [128.70, 33.75]] },
  { name: 'Ōsumi', label: 'Ōsumi Strait', source: ACT,
    ring: [[130.10, 30.60], [130.20, 30.43], [130.55, 30.42], [130.95, 30.65], [131.00, 30.82], [131.10, 31.15], [130.95, 31.20], [130.75, 31.05], [130.66, 31.00], [130.59, 31.16], [130.30, 31.22], [130.10, 31.10], [130.10, 30.60]] },
];

module.exports = { ISLANDS, NOT_ADMINISTERED, NORTHERN_TERRITORIES_BOX, STRAITS };
