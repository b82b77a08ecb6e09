from shanghui.orgs.access import organisations_for_user


def test_federation_sees_everything_below_it(world):
    visible = set(organisations_for_user(world.fed_admin))
    assert {world.city, world.chamber_a, world.point_b, world.window2} <= visible


def test_chamber_sees_its_own_subtree_only(world):
    visible = set(organisations_for_user(world.chamber_admin))
    assert visible == {world.chamber_a, world.point_a, world.enterprise_a}


def test_county_federation_sees_its_county_only(world):
    visible = set(organisations_for_user(world.county_admin))
    assert visible == {world.county2, world.chamber_b, world.point_b}


def test_outsider_sees_nothing(world):
    assert not organisations_for_user(world.outsider).exists()
