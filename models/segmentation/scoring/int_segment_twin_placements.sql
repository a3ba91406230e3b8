-- One row per new customer per scheme whose current model has twin functions (var
-- new_customer_placement twins; docs/domain.md): the segment the twin functions place the
-- customer in. The customer's comparable inputs (window totals scaled to a full window, as in
-- int_segment_inputs_standardised, macro comparable_inputs) are transformed and standardised
-- with the twins' stored parameters (twin_standardisation), every segment's function
-- (twin_function: a coefficient per twin z-score and a constant with the log prior) is
-- evaluated and the highest wins (an exact tie: the segment first in display order). Every
-- twin input a model may have (twin_input_columns()) is computed; one it does not take has no
-- coefficient and adds nothing. No rows with var new_customer_placement nearest_centre: the
-- new customers are then placed by the model's classification functions (int_segment_scores).
{#- var new_customer_placement is checked at the start of the run (check_vars) -#}
{%- set placement = var('new_customer_placement') %}
{%- set inputs = twin_input_columns() %}
{%- set max_segments = scoring_max_segments() %}
{%- set comparable = comparable_inputs(
    'indicators', 'standardised.annualisation_factor', 'window_size.window_months'
) %}
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

window_size as (

    select count(distinct {{ dbt.date_trunc('month', 'trading_date') }}) as window_months
    from trading_calendar

),

-- One row per model with twin functions: mean, std, null fill and transform of each input.
twin_standardisation as (

    select
        model_id,
        {{ standardisation_columns(inputs) }}
    from parameters
    where artifact = 'twin_standardisation'
    group by model_id

),

-- One row per model and segment: the function's coefficients (0 for an input it lacks).
twin_functions as (

    select
        model_id,
        row_key as segment_code,
        {% for column in inputs %}
            coalesce(
                max(case when column_key = '{{ column }}' then value end), 0
            ) as coefficient_{{ column }},
        {% endfor %}
        max(case when column_key = 'constant' then value end) as constant_term
    from parameters
    where artifact = 'twin_function'
    group by model_id, row_key

),

segment_order as (

    select
        model_id,
        row_key as segment_code,
        value as sort_order
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

new_customers as (

    select
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        {% for column in inputs %}
            {{ comparable.get(column, 'cast(indicators.' ~ column ~ ' as double)') }}
                as input_{{ column }},
        {% endfor %}
        standardised.annualisation_factor
    from standardised
    inner join indicators
        on standardised.customer_id = indicators.customer_id
    cross join window_size
    where
        standardised.is_new_customer
        and {{ 'true' if placement == 'twins' else 'false' }}

),

twin_scores as (

    select
        new_customers.customer_id,
        new_customers.scheme,
        new_customers.model_id,
        {% for column in inputs %}
            case
                when twin_standardisation.transform_{{ column }} is not null
                    then
                        (
                            case twin_standardisation.transform_{{ column }}
                                when 'signed_log1p'
                                    then
                                        sign(
                                            coalesce(
                                                new_customers.input_{{ column }},
                                                twin_standardisation.null_fill_{{ column }}
                                            )
                                        )
                                        * ln(1 + abs(coalesce(
                                            new_customers.input_{{ column }},
                                            twin_standardisation.null_fill_{{ column }}
                                        )))
                                when 'none'
                                    then
                                        coalesce(
                                            new_customers.input_{{ column }},
                                            twin_standardisation.null_fill_{{ column }}
                                        )
                            end - twin_standardisation.mean_{{ column }}
                        )
                        / twin_standardisation.std_{{ column }}
            end as twin_z_{{ column }},
        {% endfor %}
        twin_standardisation.n_inputs
    from new_customers
    inner join twin_standardisation
        on new_customers.model_id = twin_standardisation.model_id

),

-- One row per new customer, scheme and segment: the segment's twin function.
function_values as (

    select
        twin_scores.customer_id,
        twin_scores.scheme,
        twin_scores.model_id,
        twin_functions.segment_code,
        segment_order.sort_order,
        twin_functions.constant_term
        {% for column in inputs %}
            + twin_functions.coefficient_{{ column }}
            * coalesce(twin_scores.twin_z_{{ column }}, 0)
        {% endfor %} as twin_score
    from twin_scores
    inner join twin_functions
        on twin_scores.model_id = twin_functions.model_id
    inner join segment_order
        on
            twin_functions.model_id = segment_order.model_id
            and twin_functions.segment_code = segment_order.segment_code

),

placed as (

    select *
    from function_values
    qualify
        row_number() over (
            partition by customer_id, scheme order by twin_score desc, sort_order asc
        ) = 1

),

final as (

    select
        placed.customer_id,
        placed.scheme,
        placed.model_id,
        placed.segment_code,
        placed.twin_score,
        -- the twin z-scores the functions took (null for an input the model's twins lack)
        {% for column in inputs %}
            twin_scores.twin_z_{{ column }},
        {% endfor %}
        -- the distance to the centre of the segment placed in, in model space
        case
            {% for j in range(1, max_segments + 1) %}
                when scores.segment_code_{{ j }} = placed.segment_code
                    then scores.distance_to_centre_{{ j }}
            {% endfor %}
        end as distance_to_centre
    from placed
    inner join twin_scores
        on placed.customer_id = twin_scores.customer_id and placed.scheme = twin_scores.scheme
    inner join scores
        on placed.customer_id = scores.customer_id and placed.scheme = scores.scheme

)

select * from final
