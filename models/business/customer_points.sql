{#-
    Points are exact decimals: commission is DECIMAL(38,2) and every rule value DECIMAL(18,4), so
    the total is rounded (half away from zero) on an exact product, never on a binary double.
-#}
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

points_rules as (

    select * from {{ ref('points_rules') }}

),

points_scheme_segments as (

    select * from segments
    where scheme = '{{ var("points_scheme") }}'

),

points_per_cny as (

    select rule_value as points_per_cny
    from points_rules
    where rule_type = 'points_per_cny_commission'

),

turnover_bonus_tiers as (

    select * from points_rules
    where rule_type = 'turnover_bonus'

),

tenure_tiers as (

    select * from points_rules
    where rule_type = 'tenure_multiplier'

),

group_multipliers as (

    select * from points_rules
    where rule_type = 'group_multiplier'

),

-- Left joins: a customer is never dropped; a missing group or tier shows as a null the tests catch.
-- points_rules holds exactly one points_per_cny_commission rule (a test of the seed).
customers_with_rules as (

    select
        indicators.customer_id,
        indicators.as_of_date,
        points_scheme_segments.scheme,
        points_scheme_segments.segment_code,
        points_scheme_segments.segment_name,
        points_scheme_segments.segment_name_zh,
        indicators.annual_commission,
        indicators.annual_turnover,
        indicators.account_age_years,
        points_per_cny.points_per_cny,
        turnover_bonus_tiers.lower_bound as turnover_bonus_min_turnover,
        coalesce(turnover_bonus_tiers.rule_value, 0) as turnover_bonus_points,
        tenure_tiers.lower_bound as tenure_min_years,
        tenure_tiers.rule_value as tenure_multiplier,
        group_multipliers.rule_value as group_multiplier
    from indicators
    cross join points_per_cny
    left join points_scheme_segments
        on indicators.customer_id = points_scheme_segments.customer_id
    -- A null turnover (no assets) matches no tier: no bonus.
    left join turnover_bonus_tiers
        on
            indicators.annual_turnover >= turnover_bonus_tiers.lower_bound
            and (
                turnover_bonus_tiers.upper_bound is null
                or indicators.annual_turnover < turnover_bonus_tiers.upper_bound
            )
    left join tenure_tiers
        on
            indicators.account_age_years >= tenure_tiers.lower_bound
            and (
                tenure_tiers.upper_bound is null
                or indicators.account_age_years < tenure_tiers.upper_bound
            )
    left join group_multipliers
        on
            points_scheme_segments.scheme = group_multipliers.scheme
            and points_scheme_segments.segment_code = group_multipliers.segment_code

),

points as (

    select
        *,
        annual_commission * points_per_cny as base_points
    from customers_with_rules

),

final as (

    select
        ----------  ids
        customer_id,
        scheme,
        segment_code,
        segment_name,
        segment_name_zh,

        ----------  dates
        as_of_date,

        ----------  rule inputs
        annual_commission,
        annual_turnover,
        account_age_years,

        ----------  rules applied
        cast(points_per_cny as decimal(18, 4)) as points_per_cny,
        cast(turnover_bonus_min_turnover as decimal(18, 4)) as turnover_bonus_min_turnover,
        cast(tenure_min_years as decimal(18, 4)) as tenure_min_years,

        ----------  points and their parts
        cast(base_points as decimal(38, 6)) as base_points,
        cast(turnover_bonus_points as decimal(18, 4)) as turnover_bonus_points,
        cast(tenure_multiplier as decimal(18, 4)) as tenure_multiplier,
        cast(group_multiplier as decimal(18, 4)) as group_multiplier,
        cast(
            round((base_points + turnover_bonus_points) * tenure_multiplier * group_multiplier)
            as {{ dbt.type_bigint() }}
        ) as total_points
    from points

)

select * from final
