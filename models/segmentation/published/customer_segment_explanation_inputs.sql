-- One row per model-placed customer, scheme and input of the rule that placed them: what the
-- input adds to the margin between the assigned segment and the runner-up, and the change of
-- this input alone that would make the next segment up the customer's (docs/domain.md,
-- "Why this group, and what would move the customer up").
--
-- Scores are linear in the z-scores (int_segment_placement_functions), so with beta_j the
-- coefficients of segment j: contribution_i = (beta_g,i - beta_r,i) z_i for the assigned g
-- and the runner-up r, and the constants' difference is the rest of the margin. Moving z_i
-- alone by d moves every score j by beta_j,i d; the next segment up h wins when, for every
-- other j, (beta_h,i - beta_j,i) d > s_j - s_h: d above the largest bound where the
-- difference is positive, below the smallest where it is negative. The smallest such |d| is
-- turned back into the input's units: z -> transformed value (x std + mean) -> the inverse
-- transform -> the value as measured (a new customer's window totals were scaled to a full
-- window: scaled back, macro measured_input). No path (null) when no d works or the value
-- overflows, when the input
-- is held at the fitted mean (a new customer's unmeasured input), when the value is below the
-- indicator's least (indicator_minimums()) or when it would make the customer one of the
-- paper's outliers, whom a rule assigns (vars outlier_*).
{%- set inputs = indicator_columns() %}
{%- set minimums = indicator_minimums() %}
{%- set scored_target = 'paths.target_scored_value' %}
with

placement_inputs as (

    select * from {{ ref('int_segment_placement_inputs') }}

),

placement_scores as (

    select * from {{ ref('int_segment_placement_scores') }}

),

functions as (

    select * from {{ ref('int_segment_placement_functions') }}

),

indicators as (

    select * from {{ ref('customer_indicators') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

window_size as (

    select count(distinct {{ dbt.date_trunc('month', 'trading_date') }}) as window_months
    from trading_calendar

),

-- The three segments an explanation names, and their scores, per customer and scheme.
roles as (

    select
        customer_id,
        scheme,
        max(case when is_assigned then segment_code end) as segment_code,
        max(case when is_runner_up then segment_code end) as runner_up_segment_code,
        max(case when is_next_up then segment_code end) as next_segment_code,
        max(case when is_next_up then placement_score end) as next_segment_score
    from placement_scores
    group by customer_id, scheme

),

-- Each input with the coefficients of the three segments.
input_roles as (

    select
        placement_inputs.*,
        roles.runner_up_segment_code,
        roles.next_segment_code,
        roles.next_segment_score,
        assigned_function.coefficient - runner_up_function.coefficient
            as coefficient_difference,
        next_function.coefficient as next_segment_coefficient
    from placement_inputs
    inner join roles
        on
            placement_inputs.customer_id = roles.customer_id
            and placement_inputs.scheme = roles.scheme
    inner join functions as assigned_function
        on
            placement_inputs.model_id = assigned_function.model_id
            and placement_inputs.placement_rule = assigned_function.placement_rule
            and placement_inputs.input_name = assigned_function.input_name
            and roles.segment_code = assigned_function.segment_code
    inner join functions as runner_up_function
        on
            placement_inputs.model_id = runner_up_function.model_id
            and placement_inputs.placement_rule = runner_up_function.placement_rule
            and placement_inputs.input_name = runner_up_function.input_name
            and roles.runner_up_segment_code = runner_up_function.segment_code
    left join functions as next_function
        on
            placement_inputs.model_id = next_function.model_id
            and placement_inputs.placement_rule = next_function.placement_rule
            and placement_inputs.input_name = next_function.input_name
            and roles.next_segment_code = next_function.segment_code

),

-- For each other segment j than the next one up: the bound on the z-score change d that
-- puts the next segment above j, (s_j - s_h) / (beta_h - beta_j), and its side.
bounds as (

    select
        input_roles.customer_id,
        input_roles.scheme,
        input_roles.input_name,
        input_roles.next_segment_coefficient - functions.coefficient as slope,
        placement_scores.placement_score - input_roles.next_segment_score as gap
    from input_roles
    inner join functions
        on
            input_roles.model_id = functions.model_id
            and input_roles.placement_rule = functions.placement_rule
            and input_roles.input_name = functions.input_name
            and input_roles.next_segment_code != functions.segment_code
    inner join placement_scores
        on
            input_roles.customer_id = placement_scores.customer_id
            and input_roles.scheme = placement_scores.scheme
            and functions.segment_code = placement_scores.segment_code
    where not input_roles.is_held_at_mean

),

intervals as (

    select
        customer_id,
        scheme,
        input_name,
        max(case when slope > 0 then gap / slope end) as lowest_change,
        min(case when slope < 0 then gap / slope end) as highest_change,
        -- a segment the input cannot overtake: the same slope and a score not below
        max(case when slope = 0 and gap >= 0 then 1 else 0 end) as is_blocked
    from bounds
    group by customer_id, scheme, input_name

),

-- The smallest change of the z-score (0 is outside the interval: the next segment up is not
-- the customer's now), and the value it takes, transformed and as scored.
paths as (

    select
        input_roles.*,
        case
            when intervals.is_blocked = 1 then null
            when
                intervals.lowest_change >= 0
                and (
                    intervals.highest_change is null
                    or intervals.lowest_change < intervals.highest_change
                )
                then intervals.lowest_change
            when
                intervals.highest_change <= 0
                and (
                    intervals.lowest_change is null
                    or intervals.lowest_change < intervals.highest_change
                )
                then intervals.highest_change
        end as z_change
    from input_roles
    left join intervals
        on
            input_roles.customer_id = intervals.customer_id
            and input_roles.scheme = intervals.scheme
            and input_roles.input_name = intervals.input_name

),

targets as (

    select
        paths.*,
        case paths.input_transform
            when 'signed_log1p'
                then
                    sign((paths.z_score + paths.z_change) * paths.input_std + paths.input_mean)
                    * (
                        exp(abs(
                            (paths.z_score + paths.z_change) * paths.input_std
                            + paths.input_mean
                        ))
                        - 1
                    )
            when 'log1p'
                then exp((paths.z_score + paths.z_change) * paths.input_std + paths.input_mean) - 1
            when 'none' then (paths.z_score + paths.z_change) * paths.input_std + paths.input_mean
        end as target_scored_value
    from paths

),

measured_targets as (

    select
        targets.*,
        case targets.input_name
            {% for column in inputs %}
                when '{{ column }}' then {{ measured_input(
                    column, 'targets.target_scored_value', 'indicators',
                    'targets.annualisation_factor', 'window_size.window_months'
                ) }}
            {% endfor %}
        end as target_measured_value,
        indicators.avg_daily_assets,
        indicators.annual_trade_volume
    from targets
    inner join indicators
        on targets.customer_id = indicators.customer_id
    cross join window_size

),

judged as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        placement_rule,
        input_name,
        input_value,
        z_score,
        is_held_at_mean,
        runner_up_segment_code,
        coefficient_difference * coalesce(z_score, 0) as margin_contribution,
        next_segment_code,
        case
            when
                z_change is null
                or target_measured_value is null
                or not {{ is_finite('target_measured_value') }}
                {% for column, minimum in minimums.items() %}
                    or (input_name = '{{ column }}' and target_measured_value < {{ minimum }})
                {% endfor %}
                or (
                    input_name = 'customer_contribution'
                    and target_measured_value > {{ var('outlier_max_customer_contribution') }}
                )
                or (
                    input_name = 'avg_daily_assets'
                    and target_measured_value < {{ var('outlier_min_avg_daily_assets') }}
                    and annual_trade_volume < {{ var('outlier_min_annual_trade_volume') }}
                )
                or (
                    input_name = 'annual_trade_volume'
                    and target_measured_value < {{ var('outlier_min_annual_trade_volume') }}
                    and avg_daily_assets < {{ var('outlier_min_avg_daily_assets') }}
                )
                then false
            else true
        end as has_path_to_next_segment,
        z_change,
        target_measured_value
    from measured_targets

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        placement_rule,
        input_name,
        input_value,
        z_score,
        is_held_at_mean,
        runner_up_segment_code,
        margin_contribution,
        next_segment_code,
        case when has_path_to_next_segment then z_change end as z_change_to_next_segment,
        case
            when has_path_to_next_segment then target_measured_value - input_value
        end as change_to_next_segment,
        case
            when has_path_to_next_segment then target_measured_value
        end as target_value_for_next_segment
    from judged

)

select * from final
