"""Mapping vendor devices to torch indices: CUDA_VISIBLE_DEVICES by index, UUID and MIG; torch identities."""

from __future__ import annotations

import pytest

from backend.telemetry.devices import (
    TorchDeviceIdentity,
    VendorGpu,
    map_torch_indices,
    normalize_pci_bus_id,
    normalize_uuid,
    parse_visible_devices,
)

GPU0 = VendorGpu(0, "GPU-aaaa1111-0000-0000-0000-000000000000", "0000:01:00.0")
GPU1 = VendorGpu(1, "GPU-bbbb2222-0000-0000-0000-000000000000", "0000:21:00.0")
GPU2 = VendorGpu(2, "GPU-bbbb3333-0000-0000-0000-000000000000", "0000:41:00.0")
MIG_A = VendorGpu(0, "MIG-cccc4444-0000-0000-0000-000000000000", "0000:41:00.0", mig_parent=2)
MIG_B = VendorGpu(1, "MIG-dddd5555-0000-0000-0000-000000000000", "0000:41:00.0", mig_parent=2)
ALL = [GPU0, GPU1, GPU2, MIG_A, MIG_B]


def ordinals(pairs: list[tuple[int, VendorGpu]]) -> list[tuple[int, str | None]]:
    return [(index, gpu.uuid) for index, gpu in pairs]


def test_unset_shows_physical_gpus_in_vendor_order() -> None:
    assert ordinals(map_torch_indices(ALL, None, None)) == [(0, GPU0.uuid), (1, GPU1.uuid), (2, GPU2.uuid)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,0", [GPU1, GPU0]),
        ("2", [GPU2]),
        (" 0 , 2 ", [GPU0, GPU2]),
        ("0,2,-1,1", [GPU0, GPU2]),  # CUDA stops at the first invalid entry
        ("0,7,1", [GPU0]),  # an ordinal that does not exist also ends the list
        ("1,1,0", [GPU1]),  # a repeated device ends the list
        ("", []),
        ("-1", []),
        ("NoDevFiles", []),
    ],
)
def test_visible_devices_by_index(value: str, expected: list[VendorGpu]) -> None:
    pairs = map_torch_indices(ALL, None, value)
    assert [gpu for _, gpu in pairs] == expected
    assert [index for index, _ in pairs] == list(range(len(expected)))


def test_visible_devices_by_full_uuid_and_unique_prefix() -> None:
    pairs = map_torch_indices(ALL, None, "GPU-bbbb3333-0000-0000-0000-000000000000,gpu-AAAA")
    assert [(index, gpu) for index, gpu in pairs] == [(0, GPU2), (1, GPU0)]


def test_ambiguous_uuid_prefix_ends_the_list() -> None:
    # "GPU-bbbb" names two devices: CUDA refuses it, and everything after it.
    assert map_torch_indices(ALL, None, "GPU-aaaa,GPU-bbbb,2") == [(0, GPU0)]


def test_mig_uuid_selects_the_instance_not_its_parent() -> None:
    pairs = map_torch_indices(ALL, None, "MIG-dddd5555-0000-0000-0000-000000000000")
    assert pairs == [(0, MIG_B)]


def test_integer_entries_never_select_mig_instances() -> None:
    # MIG_A has ordinal 0 within its parent; "0" must still mean the physical GPU 0.
    assert map_torch_indices(ALL, None, "0") == [(0, GPU0)]


def test_torch_identities_by_uuid_override_vendor_order() -> None:
    # CUDA's default order is fastest-first: torch may call the bus-order GPU 2 "cuda:0".
    identities = [
        TorchDeviceIdentity(0, "bbbb3333-0000-0000-0000-000000000000", None),
        TorchDeviceIdentity(1, "aaaa1111-0000-0000-0000-000000000000", None),
    ]
    assert map_torch_indices(ALL, identities, None) == [(0, GPU2), (1, GPU0)]


def test_torch_identities_win_over_the_environment() -> None:
    identities = [TorchDeviceIdentity(0, "bbbb2222-0000-0000-0000-000000000000", None)]
    assert map_torch_indices(ALL, identities, "0,1,2") == [(0, GPU1)]


def test_torch_identities_by_pci_when_uuid_unknown() -> None:
    identities = [TorchDeviceIdentity(0, None, "0000:21:00.0"), TorchDeviceIdentity(1, None, "0:1:0")]
    assert map_torch_indices(ALL, identities, None) == [(0, GPU1), (1, GPU0)]


def test_pci_never_matches_a_mig_instance_sharing_the_bus() -> None:
    identities = [TorchDeviceIdentity(0, None, "0000:41:00.0")]
    assert map_torch_indices(ALL, identities, None) == [(0, GPU2)]


def test_torch_mig_identity_matches_the_instance_by_uuid() -> None:
    identities = [TorchDeviceIdentity(0, "cccc4444-0000-0000-0000-000000000000", "0000:41:00.0")]
    assert map_torch_indices(ALL, identities, None) == [(0, MIG_A)]


def test_unmatched_torch_devices_and_invisible_vendor_devices_are_left_out() -> None:
    identities = [TorchDeviceIdentity(0, "ffffffff-0000-0000-0000-000000000000", None)]
    assert map_torch_indices(ALL, identities, None) == []
    assert map_torch_indices(ALL, [], None) == []  # torch sees no device at all


def test_parse_visible_devices() -> None:
    assert parse_visible_devices(None) is None
    assert parse_visible_devices("") == []
    assert parse_visible_devices("3, GPU-AbC ,1,x,2") == [3, "gpu-abc", 1]
    assert parse_visible_devices("GPU-") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00000000:01:00.0", "0000:01:00.0"),
        ("0000:0A:00.0", "0000:0a:00.0"),
        ("01:00.0", "0000:01:00.0"),
        ("0001:c1:1f", "0001:c1:1f.0"),
        ("not a bus id", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_pci_bus_id(value: str | None, expected: str | None) -> None:
    assert normalize_pci_bus_id(value) == expected


def test_normalize_uuid_strips_prefix_and_case() -> None:
    assert normalize_uuid("GPU-ABCD-1") == "abcd-1"
    assert normalize_uuid("MIG-abcd-2") == "abcd-2"
    assert normalize_uuid("abcd-3") == "abcd-3"
    assert normalize_uuid("") is None
