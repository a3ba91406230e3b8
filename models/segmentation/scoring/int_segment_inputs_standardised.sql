-- One row per customer per scheme: each model input, transformed and standardised with the
-- stored parameters of the current model, as a column z_<indicator> (null for an indicator
-- the model does not take): exactly what the Python fit did, so that scoring here gives the
-- fit's segments and a new customer is scored without a refit. The parameters are pivoted
-- into one row per scheme (a column per input and statistic) and crossed with the customers.
--
-- A new customer (placed by the classification functions: open, not an outlier, fewer open
-- trading days than min_open_trading_days) has window totals over a short history, not
-- comparable with a full window's. With var new_customer_annualise (docs/domain.md) they are
-- scaled to a full window: total x window trading days / open trading days (active months
-- capped at the window's months); ratios and averages are kept. Inputs a short history does
-- not measure as it does for an established customer (var new_customer_unmeasured_inputs: by
-- default net_fund_inflow, an opening deposit; asset_growth, from an empty account; tenure
-- and recency, near zero for every new account) are scored at the fitted mean (z = 0), so
-- they place a new customer neither here nor there. Fitted customers are scored as fitted.
{%- set annualise = var('new_customer_annualise') %}
{%- if annualise is not sameas true and annualise is not sameas false %}
    {{ exceptions.raise_compiler_error(
        "var new_customer_annualise must be true or false, got '" ~ annualise ~ "'."
    ) }}
{%- endif %}
{%- set inputs = indicator_columns() %}
{%- set unmeasured = var('new_customer_unmeasured_inputs') %}
{%- set comparable = comparable_inputs(
    'indicators', 'annualisation.annualisation_factor', 'annualisation.window_months'
) %}
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

-- One row per scheme: mean, standard deviation, null fill and transform of every input.
standardisation as (

    select
        model_id,
        scheme,
        {{ standardisation_columns(inputs) }}
    from parameters
    where artifact = 'standardisation'
    group by model_id, scheme

),

window_size as (

    select
        count(*) as window_trading_days,
        count(distinct {{ dbt.date_trunc('month', 'trading_date') }}) as window_months
    from trading_calendar

),

annualisation as (

    select
        indicators.customer_id,
        window_size.window_months,
        -- scored by the model (K-means or the classification functions), not by a rule
        not indicators.is_closed and indicators.outlier_rule is null as is_model_scored,
        -- placed by the classification functions, not fitted (docs/domain.md)
        not indicators.is_closed
        and indicators.outlier_rule is null
        and indicators.has_short_history as is_new_customer,
        case
            when
                {{ 'true' if annualise else 'false' }}
                and not indicators.is_closed
                and indicators.outlier_rule is null
                and indicators.has_short_history
                and indicators.open_trading_days > 0
                then cast(window_size.window_trading_days as double) / indicators.open_trading_days
            else 1.0
        end as annualisation_factor
    from indicators
    cross join window_size

),

raw_inputs as (

    select
        indicators.customer_id,
        standardisation.scheme,
        standardisation.model_id,
        annualisation.annualisation_factor,
        annualisation.is_new_customer,
        {% for column in inputs %}
            case
                when standardisation.transform_{{ column }} is not null
                    then coalesce(
                        {{ comparable.get(column, 'cast(indicators.' ~ column ~ ' as double)') }},
                        standardisation.null_fill_{{ column }}
                    )
            end as input_{{ column }},
        {% endfor %}
        annualisation.is_model_scored
    from indicators
    inner join annualisation
        on indicators.customer_id = annualisation.customer_id
    cross join standardisation

),

transformed as (

    select
        {% for column in inputs %}
            case standardisation.transform_{{ column }}
                when 'signed_log1p'
                    then
                        sign(raw_inputs.input_{{ column }})
                        * ln(1 + abs(raw_inputs.input_{{ column }}))
                when 'log1p' then ln(1 + raw_inputs.input_{{ column }})
                when 'none' then raw_inputs.input_{{ column }}
            end as transformed_{{ column }},
        {% endfor %}
        raw_inputs.*
    from raw_inputs
    inner join standardisation
        on raw_inputs.model_id = standardisation.model_id

),

-- Silent traps stop the build instead: a null input without a configured fill would drop out
-- of the sums that score a customer, a value outside its transform's domain (log1p of a
-- negative, or an infinite/NaN value) would give a NaN score, and a NaN row goes to the top
-- group with a null distance. Counted per scheme and input, of the customers the model
-- scores (closed accounts and outliers get their segment by rule).
scheme_problem_counts as (

    select
        {% for column in inputs %}
            max(standardisation.transform_{{ column }}) as transform_{{ column }},
            count(
                case
                    when
                        standardisation.transform_{{ column }} is not null
                        and raw_inputs.input_{{ column }} is null
                        then 1
                end
            ) as null_customers_{{ column }},
            count(
                case
                    when not {{ is_finite('raw_inputs.input_' ~ column) }} then 1
                    when
                        standardisation.transform_{{ column }} = 'log1p'
                        and raw_inputs.input_{{ column }} < 0
                        then 1
                end
            ) as domain_customers_{{ column }},
        {% endfor %}
        raw_inputs.scheme
    from raw_inputs
    inner join standardisation
        on raw_inputs.model_id = standardisation.model_id
    where raw_inputs.is_model_scored
    group by raw_inputs.scheme

),

-- The inputs by name.
input_names as (

    {%- for column in inputs %}
        select '{{ column }}' as input_name
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- The same counts, one row per scheme and input (a few dozen rows), for the messages: the
-- counts read once (Spark would compute a CTE again for each union branch reading it).
counts_by_input as (

    select
        scheme_problem_counts.scheme,
        input_names.input_name,
        {%- for measure in ['transform', 'null_customers', 'domain_customers'] %}
            case input_names.input_name
                {%- for column in inputs %}
                    when '{{ column }}' then scheme_problem_counts.{{ measure }}_{{ column }}
                {%- endfor %}
            end as {{ 'transform_name' if measure == 'transform' else measure }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from scheme_problem_counts
    cross join input_names

),

problem_counts as (

    select * from counts_by_input
    where transform_name is not null

),

problems as (

    select
        {{ ordered_string_agg(
            "case when null_customers > 0 then 'scheme ' || scheme || ' input ' || input_name
            || ': ' || cast(null_customers as string) || ' customer(s)' end",
            "'; '",
            'scheme, input_name',
        ) }} as null_inputs,
        {{ ordered_string_agg(
            "case when domain_customers > 0 then 'scheme ' || scheme || ' input ' || input_name
            || ' (' || transform_name || '): ' || cast(domain_customers as string)
            || ' customer(s)' end",
            "'; '",
            'scheme, input_name',
        ) }} as domain_inputs
    from problem_counts

),

-- A model input that is no indicator of indicator_columns() would have no column here.
unknown_inputs as (

    select
        {{ ordered_string_agg("'scheme ' || scheme || ' (' || model_id || ')'", "'; '", 'scheme') }}
            as unknown_input_models
    from standardisation
    where
        n_inputs
        != {% for column in inputs -%}
            case when transform_{{ column }} is not null then 1 else 0 end
            {%- if not loop.last %} + {% endif %}
        {% endfor %}

),

checked as (

    select
        case
            when unknown_inputs.unknown_input_models is not null
                then {{ sql_error(
                    "'segment scoring: the current model of '
                    || unknown_inputs.unknown_input_models
                    || ' has an input that is not an indicator of indicator_columns() '
                    || '(macros/segmentation/indicator_columns.sql), so it cannot be scored.'"
                ) }}
            when problems.null_inputs is not null
                then {{ sql_error(
                    "'segment scoring: null model input(s) with no configured null fill, '
                    || 'which would drop out of the score: ' || problems.null_inputs
                    || '. Fix the indicator or configure a fill for the input.'"
                ) }}
            when problems.domain_inputs is not null
                then {{ sql_error(
                    "'segment scoring: model input(s) outside their transform''s domain '
                    || '(log1p of a negative, or not finite), which would give NaN scores: '
                    || problems.domain_inputs || '. Fix the indicator or the transform.'"
                ) }}
        end as input_error
    from problems
    cross join unknown_inputs

),

final as (

    select
        transformed.customer_id,
        transformed.scheme,
        transformed.model_id,
        {% for column in inputs %}
            {% if column in unmeasured %}
                case
                    when
                        transformed.is_new_customer
                        and standardisation.transform_{{ column }} is not null
                        then 0.0
                    else
                        (transformed.transformed_{{ column }} - standardisation.mean_{{ column }})
                        / standardisation.std_{{ column }}
                end as z_{{ column }},
            {% else %}
                (transformed.transformed_{{ column }} - standardisation.mean_{{ column }})
                / standardisation.std_{{ column }} as z_{{ column }},
            {% endif %}
        {% endfor %}
        transformed.annualisation_factor,
        transformed.is_new_customer
    from transformed
    inner join standardisation
        on transformed.model_id = standardisation.model_id
    cross join checked
    -- input_error is null unless the check above stops the query
    where checked.input_error is null

)

select * from final
