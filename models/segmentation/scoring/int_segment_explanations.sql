-- One row per customer a model places, per scheme: the explanation of the placement, a set
-- of columns per input (docs/domain.md, "Why this group, and what would move the customer
-- up"). The rule that placed the customer (int_segment_placement_functions: nearest_centre
-- for K-means' customers; for new customers twin where int_segment_twin_placements placed
-- them, else classification) scores every segment j linearly in the z-scores, s_j =
-- constant_j + sum_i beta_j,i z_i; the segments are numbered in display order (slots, as in
-- int_segment_scores), so the next segment up is the slot before the customer's.
--   contribution_<i>  (beta_g,i - beta_r,i) z_i for the assigned g and the runner-up r (the
--                     best other score): with the constants' difference they add up to the
--                     margin s_g - s_r.
--   z_change_<i>      moving z_i alone by d moves each s_j by beta_j,i d; the next segment up
--                     h wins when (beta_h,i - beta_j,i) d > s_j - s_h for every other j: d
--                     above the largest bound of a positive difference, below the smallest of
--                     a negative one, none when a difference is 0 and h is not ahead. The
--                     smallest |d| (0 is outside: h is not the customer's now).
--   target_<i>        z_i + d turned back into the input's units: x std + mean, the inverse
--                     transform, a new customer's scaled window totals scaled back (macro
--                     measured_input); null when it overflows, falls below the indicator's
--                     least (indicator_minimums()), would make the customer one of the
--                     paper's outliers (vars outlier_*), or the input is held at the mean (a
--                     new customer's unmeasured input, var new_customer_unmeasured_inputs).
-- The columns are generated for every indicator (indicator_columns()) and every slot the
-- settings allow (scoring_max_segments()); null for an input the rule does not take.
{%- set inputs = indicator_columns() %}
{%- set twin_inputs = twin_input_columns() %}
{%- set minimums = indicator_minimums() %}
{%- set unmeasured = var('new_customer_unmeasured_inputs') %}
{%- set slots = range(1, scoring_max_segments() + 1) %}
with

assignments as (

    select * from {{ ref('int_segment_assignments') }}

),

indicators as (

    select * from {{ ref('customer_indicators') }}

),

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

twin_placements as (

    select * from {{ ref('int_segment_twin_placements') }}

),

functions as (

    select * from {{ ref('int_segment_placement_functions') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

window_size as (

    select count(distinct {{ dbt.date_trunc('month', 'trading_date') }}) as window_months
    from trading_calendar

),

-- One row per model and rule: a column per slot and input (beta_<slot>_<input>), the
-- constants and segment codes per slot, each input's standardisation.
rule_parameters as (

    select
        model_id,
        placement_rule,
        {% for j in slots %}
            max(case when slot = {{ j }} then segment_code end) as segment_code_{{ j }},
            max(case when slot = {{ j }} then constant_term end) as constant_{{ j }},
            {% for column in inputs %}
                max(
                    case when slot = {{ j }} and input_name = '{{ column }}' then coefficient end
                ) as beta_{{ j }}_{{ column }},
            {% endfor %}
        {% endfor %}
        {% for column in inputs %}
            max(case when input_name = '{{ column }}' then input_mean end) as mean_{{ column }},
            max(case when input_name = '{{ column }}' then input_std end) as std_{{ column }},
            max(case when input_name = '{{ column }}' then input_transform end)
                as transform_{{ column }},
        {% endfor %}
        max(slot) as n_segments
    from functions
    group by model_id, placement_rule

),

placements as (

    select
        assignments.customer_id,
        assignments.scheme,
        assignments.model_id,
        assignments.segment_code,
        assignments.placement_rule,
        scores.function_set,
        standardised.annualisation_factor,
        standardised.is_new_customer,
        {% for j in slots %}
            scores.distance_to_centre_{{ j }},
        {% endfor %}
        {% for column in inputs %}
            cast(indicators.{{ column }} as double) as input_value_{{ column }},
            {% if column in twin_inputs %}
                case
                    when assignments.placement_rule = 'twin'
                        then twin_placements.twin_z_{{ column }}
                    else standardised.z_{{ column }}
                end as z_{{ column }},
            {% else %}
                case
                    when assignments.placement_rule != 'twin' then standardised.z_{{ column }}
                end as z_{{ column }},
            {% endif %}
            -- scored at the fitted mean (int_segment_inputs_standardised): no change moves it
            {{ 'true' if column in unmeasured else 'false' }}
            and assignments.placement_rule != 'twin'
            and standardised.is_new_customer as is_held_at_mean_{{ column }},
        {% endfor %}
        indicators.annual_commission
    from assignments
    inner join indicators
        on assignments.customer_id = indicators.customer_id
    inner join standardised
        on
            assignments.customer_id = standardised.customer_id
            and assignments.scheme = standardised.scheme
    inner join scores
        on assignments.customer_id = scores.customer_id and assignments.scheme = scores.scheme
    left join twin_placements
        on
            assignments.customer_id = twin_placements.customer_id
            and assignments.scheme = twin_placements.scheme
    where assignments.assignment_method != 'rule'

),

-- Every segment's score, and the customer's own slot.
scored as (

    select
        placements.*,
        rule_parameters.n_segments,
        {% for j in slots %}
            rule_parameters.segment_code_{{ j }},
            rule_parameters.constant_{{ j }},
            case
                when rule_parameters.n_segments >= {{ j }}
                    then
                        rule_parameters.constant_{{ j }}
                        {% for column in inputs %}
                            + coalesce(rule_parameters.beta_{{ j }}_{{ column }}, 0)
                            * coalesce(placements.z_{{ column }}, 0)
                        {% endfor %}
            end as score_{{ j }},
            {% for column in inputs %}
                rule_parameters.beta_{{ j }}_{{ column }},
            {% endfor %}
        {% endfor %}
        {% for column in inputs %}
            rule_parameters.mean_{{ column }},
            rule_parameters.std_{{ column }},
            rule_parameters.transform_{{ column }},
        {% endfor %}
        case placements.segment_code
            {% for j in slots %}
                when rule_parameters.segment_code_{{ j }} then {{ j }}
            {% endfor %}
        end as assigned_slot
    from placements
    inner join rule_parameters
        on
            placements.model_id = rule_parameters.model_id
            and placements.placement_rule = rule_parameters.placement_rule

),

-- The runner-up: the best score of the other segments (a tie: the first in display order).
best_others as (

    select
        *,
        greatest(
            {% for j in slots %}
                case when assigned_slot != {{ j }} then score_{{ j }} end
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        ) as runner_up_score
    from scored

),

roles as (

    select
        *,
        case
            {% for j in slots %}
                when assigned_slot != {{ j }} and score_{{ j }} = runner_up_score then {{ j }}
            {% endfor %}
        end as runner_up_slot,
        case when assigned_slot > 1 then assigned_slot - 1 end as next_slot,
        {{ at_slot('assigned_slot', 'score_#') }} as assigned_score
    from best_others

),

-- The three segments' coefficients of each input.
role_coefficients as (

    select
        *,
        {{ at_slot('next_slot', 'score_#') }} as next_score,
        {% for column in inputs %}
            {{ at_slot('assigned_slot', 'beta_#_' ~ column) }} as assigned_beta_{{ column }},
            {{ at_slot('runner_up_slot', 'beta_#_' ~ column) }} as runner_up_beta_{{ column }},
            {{ at_slot('next_slot', 'beta_#_' ~ column) }} as next_beta_{{ column }},
        {% endfor %}
        {{ at_slot('runner_up_slot', 'distance_to_centre_#') }} as runner_up_distance
    from roles

),

-- Per input, the interval of z-score changes that put the next segment up above every other.
intervals as (

    select
        *,
        {% for column in inputs %}
            greatest(
                {% for j in slots %}
                    case
                        when
                            next_slot != {{ j }}
                            and next_beta_{{ column }} - beta_{{ j }}_{{ column }} > 0
                            then
                                (score_{{ j }} - next_score)
                                / (next_beta_{{ column }} - beta_{{ j }}_{{ column }})
                    end{% if not loop.last %},{% endif %}
                {% endfor %}
            ) as lowest_change_{{ column }},
            least(
                {% for j in slots %}
                    case
                        when
                            next_slot != {{ j }}
                            and next_beta_{{ column }} - beta_{{ j }}_{{ column }} < 0
                            then
                                (score_{{ j }} - next_score)
                                / (next_beta_{{ column }} - beta_{{ j }}_{{ column }})
                    end{% if not loop.last %},{% endif %}
                {% endfor %}
            ) as highest_change_{{ column }},
            (
                {% for j in slots %}
                    coalesce(
                        next_slot != {{ j }}
                        and next_beta_{{ column }} = beta_{{ j }}_{{ column }}
                        and score_{{ j }} >= next_score,
                        false
                    ){% if not loop.last %} or{% endif %}
                {% endfor %}
            ) as is_blocked_{{ column }},
        {% endfor %}
        assigned_score - runner_up_score as score_margin
    from role_coefficients

),

changes as (

    select
        {% for column in inputs %}
            case
                when
                    is_blocked_{{ column }}
                    or next_beta_{{ column }} is null
                    or is_held_at_mean_{{ column }}
                    then null
                when
                    lowest_change_{{ column }} >= 0
                    and (
                        highest_change_{{ column }} is null
                        or lowest_change_{{ column }} < highest_change_{{ column }}
                    )
                    then lowest_change_{{ column }}
                when
                    highest_change_{{ column }} <= 0
                    and (
                        lowest_change_{{ column }} is null
                        or lowest_change_{{ column }} < highest_change_{{ column }}
                    )
                    then highest_change_{{ column }}
            end as z_change_{{ column }},
        {% endfor %}
        *
    from intervals

),

-- The target z-score turned back into the input as scored (the inverse transform) ...
scored_targets as (

    select
        {% for column in inputs %}
            {%- set transformed = '((z_' ~ column ~ ' + z_change_' ~ column ~ ') * std_'
                ~ column ~ ' + mean_' ~ column ~ ')' %}
            case transform_{{ column }}
                when 'signed_log1p' then sign({{ transformed }}) * (exp(abs({{ transformed }})) - 1)
                when 'log1p' then exp({{ transformed }}) - 1
                when 'none' then {{ transformed }}
            end as scored_target_{{ column }},
        {% endfor %}
        changes.*,
        window_size.window_months
    from changes
    cross join window_size

),

-- ... and as measured (a new customer's scaled window totals scaled back).
measured_targets as (

    select
        {% for column in inputs %}
            {{ measured_input(
                column, 'scored_target_' ~ column, 'scored_targets',
                'scored_targets.annualisation_factor', 'scored_targets.window_months'
            ) }} as measured_target_{{ column }},
        {% endfor %}
        *
    from scored_targets

),

-- A target outside the input's range, or into the paper's outlier rules, is no path.
judged as (

    select
        {% for column in inputs %}
            case
                when
                    z_change_{{ column }} is null
                    or measured_target_{{ column }} is null
                    or not {{ is_finite('measured_target_' ~ column) }}
                    {% if column in minimums %}
                        or measured_target_{{ column }} < {{ minimums[column] }}
                    {% endif %}
                    {% if column == 'customer_contribution' %}
                        or measured_target_{{ column }}
                        > {{ var('outlier_max_customer_contribution') }}
                    {% elif column == 'avg_daily_assets' %}
                        or (
                            measured_target_{{ column }} < {{ var('outlier_min_avg_daily_assets') }}
                            and input_value_annual_trade_volume
                            < {{ var('outlier_min_annual_trade_volume') }}
                        )
                    {% elif column == 'annual_trade_volume' %}
                        or (
                            measured_target_{{ column }}
                            < {{ var('outlier_min_annual_trade_volume') }}
                            and input_value_avg_daily_assets
                            < {{ var('outlier_min_avg_daily_assets') }}
                        )
                    {% endif %}
                    then false
                else true
            end as has_path_{{ column }},
        {% endfor %}
        *
    from measured_targets

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        placement_rule,
        {{ at_slot('runner_up_slot', 'segment_code_#') }} as runner_up_segment_code,
        {{ at_slot('next_slot', 'segment_code_#') }} as next_segment_code,
        score_margin,
        case
            when
                placement_rule = 'nearest_centre'
                or (placement_rule = 'classification' and function_set = 'nearest_centre')
                then
                    case
                        when runner_up_distance > 0
                            then 2 * score_margin / (runner_up_distance * runner_up_distance)
                    end
            else 1 - exp(-score_margin)
        end as margin_share,
        {{ at_slot('assigned_slot', 'constant_#') }}
        - {{ at_slot('runner_up_slot', 'constant_#') }} as constant_contribution,
        {% for column in inputs %}
            input_value_{{ column }},
            z_{{ column }},
            is_held_at_mean_{{ column }},
            (assigned_beta_{{ column }} - runner_up_beta_{{ column }})
            * coalesce(z_{{ column }}, 0) as contribution_{{ column }},
            case when has_path_{{ column }} then z_change_{{ column }} end
                as z_change_{{ column }},
            case when has_path_{{ column }} then measured_target_{{ column }} end
                as target_{{ column }},
        {% endfor %}
        annualisation_factor
    from judged

)

select * from final
