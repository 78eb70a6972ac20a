"""The supermarket factor sets, every value with the source it was read in.

Version ``2025.1`` is published: never change a value in it. A corrected or newer value
goes into a new version appended to ``factor_sets()``, so that estimates made with
``2025.1`` keep recomputing to the same grams.

Data families, one per kind of item (not mixed within an item):

* food by weight: Poore & Nemecek (2018) as published by Our World in Data, global mean
  including supply-chain losses, kg CO2e per kg of product, farm to retail. Fruit is not
  in that table; bananas and apples/citrus come from OWID's older supply-chain table
  (without losses), noted on the factor;
* food not listed, frozen food: DESNZ 2025 "Food and drink" primary material production,
  a UK average per kg of groceries;
* household goods by material: DESNZ 2025 material use (primary production);
* spend: US EPA supply-chain factors v1.2, kg CO2e per 2021 US dollar (purchaser price,
  with margins). They describe US supply chains and prices: for anyone shopping elsewhere
  they are an estimate, and every line computed with them says so;
* carrier bags: Mike Berners-Lee, *How Bad Are Bananas?*, grams CO2e per bag;
* the trip to the store: the platform's shared travel factors (DESNZ 2025), edition 2025.1.
"""

from __future__ import annotations

from decimal import Decimal

from neutralpoint.plugin_api import Factor, FactorSet, Source, travel

SCENARIO = "supermarket"
CURRENT_VERSION = "2025.1"

_OWID = "Poore & Nemecek (2018), Science 360:987, via Our World in Data"
_OWID_MEAN = "Greenhouse gas emissions per kilogram of food product, global mean incl. supply-chain losses"
_OWID_MEAN_URL = "https://ourworldindata.org/grapher/ghg-per-kg-poore"
_OWID_OLD = "Food: greenhouse gas emissions across the supply chain (older table, without losses)"
_OWID_OLD_URL = "https://ourworldindata.org/grapher/food-emissions-supply-chain"
_DESNZ = "UK Department for Energy Security and Net Zero (DESNZ)"
_DESNZ_DOC = "Greenhouse gas reporting: conversion factors 2025"
_DESNZ_URL = "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
_EPA = "US Environmental Protection Agency"
_EPA_DOC = "Supply Chain Greenhouse Gas Emission Factors v1.2 by NAICS-6 (kg CO2e per 2021 USD, purchaser price)"
_EPA_URL = (
    "https://catalog.data.gov/dataset/supply-chain-greenhouse-gas-emission-factors-for-us-industries-and-commodities"
)
_BANANAS = "How Bad Are Bananas? The carbon footprint of everything"

SPEND_NOTE = (
    "US supply chains and 2021 US prices, with wholesale and retail margins. For a shopper outside "
    "the US, or at today's prices, this is an estimate."
)


def _food(key: str, value: str, en: str, zh: str, row: str, note: str = "") -> Factor:
    return Factor(
        key=f"food.{key}",
        value=Decimal(value),
        per="kg",
        label={"en": en, "zh-Hans": zh},
        source=Source(publisher=_OWID, document=_OWID_MEAN, year=2018, table=row, url=_OWID_MEAN_URL),
        note=note,
    )


def _fruit(key: str, value: str, en: str, zh: str, row: str) -> Factor:
    return Factor(
        key=f"food.{key}",
        value=Decimal(value),
        per="kg",
        label={"en": en, "zh-Hans": zh},
        source=Source(publisher=_OWID, document=_OWID_OLD, year=2018, table=row, url=_OWID_OLD_URL),
        note="The current OWID table has no fruit rows; this older one has no supply-chain losses.",
    )


def _desnz(key: str, value: str, en: str, zh: str, row: str, note: str) -> Factor:
    return Factor(
        key=key,
        value=Decimal(value),
        per="kg",
        label={"en": en, "zh-Hans": zh},
        source=Source(publisher=_DESNZ, document=_DESNZ_DOC, year=2025, table=row, url=_DESNZ_URL),
        note=note,
    )


def _spend(key: str, value: str, en: str, zh: str, naics: str) -> Factor:
    return Factor(
        key=f"spend.{key}",
        value=Decimal(value),
        per="USD",
        label={"en": en, "zh-Hans": zh},
        source=Source(publisher=_EPA, document=_EPA_DOC, year=2023, table=f"NAICS {naics}, with margins", url=_EPA_URL),
        note=SPEND_NOTE,
    )


def _bag(key: str, kg: str, en: str, zh: str, row: str) -> Factor:
    return Factor(
        key=f"bag.{key}",
        value=Decimal(kg),
        per="bag",
        label={"en": en, "zh-Hans": zh},
        source=Source(publisher="Mike Berners-Lee", document=_BANANAS, year=2010, table=row),
        note="Making one new bag; a bag brought from home and used again adds nothing.",
    )


def _factors_2025_1() -> list[Factor]:
    return [
        # Meat and fish — P&N via OWID, mean incl. losses.
        _food("beef", "99.48", "Beef", "牛肉", "Beef (beef herd)"),
        _food("lamb", "39.72", "Lamb and mutton", "羊肉", "Lamb & mutton"),
        _food("pork", "12.31", "Pork", "猪肉", "Pig meat"),
        _food("poultry", "9.87", "Poultry", "禽肉", "Poultry meat"),
        _food("fish", "13.63", "Fish", "鱼", "Fish (farmed)", "Farmed fish; wild-caught fish is not distinguished."),
        _food("prawns", "26.87", "Prawns and shrimps", "虾", "Prawns/shrimps (farmed)"),
        # Dairy and eggs.
        _food("cheese", "23.88", "Cheese", "奶酪", "Cheese"),
        _food("milk", "3.15", "Milk", "牛奶", "Milk", "Per kg; a litre of milk weighs about 1 kg."),
        _food("eggs", "4.67", "Eggs", "鸡蛋", "Eggs"),
        # Fruit and vegetables.
        _food("tomatoes", "2.09", "Tomatoes", "番茄", "Tomatoes"),
        _food("potatoes", "0.46", "Potatoes and root vegetables", "土豆和根茎类蔬菜", "Potatoes"),
        _food(
            "other_vegetables",
            "0.51",
            "Other vegetables",
            "其他蔬菜",
            "Brassicas",
            "The brassica factor (cabbage, broccoli) stands for other vegetables; the table lists "
            "tomatoes 2.09, brassicas 0.51, onions and leeks 0.50, root vegetables 0.43.",
        ),
        _fruit("bananas", "0.8", "Bananas", "香蕉", "Bananas"),
        _fruit(
            "apples_citrus", "0.3", "Apples and citrus fruit", "苹果和柑橘类水果", "Apples; Citrus fruit (both 0.3)"
        ),
        # Dry goods.
        _food("rice", "4.45", "Rice", "大米", "Rice", "Includes methane from flooded paddies."),
        _food("wheat", "1.57", "Bread, flour and pasta", "面包、面粉和面条", "Wheat & rye"),
        _food("pulses", "1.79", "Dry beans, lentils and other pulses", "干豆类", "Other pulses"),
        # Anything else edible, frozen food.
        _desnz(
            "food.average",
            "3.7014",
            "Groceries (UK average)",
            "食品杂货（英国平均）",
            "Material use: Food and drink, primary material production (3,701.40 kg CO2e per tonne)",
            "A UK average for food and drink per kg, used for frozen food and for anything not listed.",
        ),
        # Household goods by material.
        _desnz(
            "material.plastics",
            "3.1725",
            "Plastic household goods",
            "塑料日用品",
            "Material use: Plastics: average plastics, primary material production (3,172.50 kg CO2e per tonne)",
            "Making the plastic only (no use or disposal).",
        ),
        _desnz(
            "material.paper",
            "1.34508",
            "Paper household goods",
            "纸制日用品",
            "Material use: Paper and board: paper, primary material production (1,345.08 kg CO2e per tonne)",
            "Making the paper only (no use or disposal).",
        ),
        # Spend — US EPA v1.2.
        _spend(
            "meat",
            "1.279",
            "Meat (beef, pork, lamb), by spend",
            "肉类（按花费）",
            "311612 Meat processed from carcasses",
        ),
        _spend("poultry", "0.640", "Poultry, by spend", "禽肉（按花费）", "311615 Poultry processing"),
        _spend("cheese", "1.259", "Cheese, by spend", "奶酪（按花费）", "311513 Cheese manufacturing"),
        _spend(
            "milk", "1.039", "Milk and butter, by spend", "牛奶和黄油（按花费）", "311511/311512 Fluid milk; butter"
        ),
        _spend(
            "vegetables", "0.588", "Vegetables, by spend", "蔬菜（按花费）", "111219 Other vegetable and melon farming"
        ),
        _spend("fruit", "0.500", "Fruit, by spend", "水果（按花费）", "111334/111339 Berry and other non-citrus fruit"),
        _spend("bakery", "0.314", "Bread and bakery, by spend", "面包糕点（按花费）", "311811/311812 Bakeries"),
        _spend("prepared", "0.603", "Prepared food, by spend", "熟食（按花费）", "311991 Perishable prepared food"),
        _spend("soft_drinks", "0.378", "Soft drinks, by spend", "软饮料（按花费）", "312111 Soft drink manufacturing"),
        # Carrier bags — Berners-Lee.
        _bag("plastic", "0.010", "Plastic carrier bag", "塑料购物袋", "Standard disposable plastic carrier bag: 10 g"),
        _bag(
            "reusable", "0.050", "Heavy reusable bag", "厚实可重复使用购物袋", "Heavyweight reusable plastic bag: 50 g"
        ),
        _bag("paper_recycled", "0.012", "Paper bag, recycled", "再生纸袋", "Recycled lightweight paper bag: 12 g"),
        _bag("paper_virgin", "0.080", "Paper bag, new paper", "原生纸袋", "Elaborate virgin paper bag: 80 g"),
        # The trip to the store: the platform's shared travel factors, pinned to their edition.
        *travel.factors(f"Adopted in supermarket factor set {CURRENT_VERSION}.", edition="2025.1"),
    ]


def factor_sets() -> list[FactorSet]:
    """Every published version, oldest first; the last one is current."""
    return [FactorSet.of(SCENARIO, "2025.1", _factors_2025_1())]
