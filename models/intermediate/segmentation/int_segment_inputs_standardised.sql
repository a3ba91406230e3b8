-- Each customer's model inputs for each scheme, transformed and standardised with the stored
-- parameters of the current model: exactly what the Python fit did, so that scoring here
-- gives the fit's segments and a new customer is scored without a refit.
--
-- A new customer (placed by the classification functions: open, not an outlier, fewer open
-- trading days than min_open_trading_days) has window totals over a short history, not
-- comparable with a full window's. With var new_customer_annualise (docs/domain.md) they are
-- scaled to a full window: total x window trading days / open trading days (active months
-- capped at the window's months); ratios and averages are kept, and so are net_fund_inflow
-- (an opening deposit is no yearly rate), tenure and recency. Fitted customers get factor 1.
{%- set annualise = var('new_customer_annualise') %}
{%- if annualise is not sameas true and annualise is not sameas false %}
    {{ exceptions.raise_compiler_error(
        "var new_customer_annualise must be true or false, got '" ~ annualise ~ "'."
    ) }}
{%- endif %}
{%- set factor = 'annualisation.annualisation_factor' %}
{%- set comparable = {
    'annual_commission': 'cast(indicators.annual_commission as double) * ' ~ factor,
    'annual_trade_volume': 'cast(indicators.annual_trade_volume as double) * ' ~ factor,
    'trade_count': 'cast(indicators.trade_count as double) * ' ~ factor,
    'active_trading_days': 'cast(indicators.active_trading_days as double) * ' ~ factor,
    'active_months': 'least(cast(indicators.active_months as double) * ' ~ factor
        ~ ', annualisation.window_months)',
    'customer_contribution': 'indicators.customer_contribution'
        ~ ' + cast(indicators.annual_commission as double) * (' ~ factor ~ ' - 1)',
    'annual_turnover': 'indicators.annual_turnover * ' ~ factor,
} %}
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

standardisation as (

    select
        model_id,
        scheme,
        row_key as input_name,
        max(case when column_key = 'mean' then value end) as mean_value,
        max(case when column_key = 'std' then value end) as std_value,
        max(case when column_key = 'null_fill' then value end) as null_fill,
        max(case when column_key = 'transform' then text_value end) as transform_name
    from parameters
    where artifact = 'standardisation'
    group by model_id, scheme, row_key

),

window_size as (

    select
        count(*) as window_trading_days,
        count(distinct date_trunc('month', trading_date)) as window_months
    from trading_calendar

),

annualisation as (

    select
        indicators.customer_id,
        window_size.window_months,
        -- scored by the model (K-means or the classification functions), not by a rule
        not indicators.is_closed and indicators.outlier_rule is null as is_model_scored,
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
        standardisation.input_name,
        standardisation.mean_value,
        standardisation.std_value,
        standardisation.transform_name,
        annualisation.annualisation_factor,
        annualisation.is_model_scored,
        coalesce(
            case standardisation.input_name
                {% for column in indicator_columns() %}
                    when '{{ column }}' then {{ comparable.get(
                        column, 'cast(indicators.' ~ column ~ ' as double)'
                    ) }}
                {% endfor %}
            end,
            standardisation.null_fill
        ) as input_value
    from indicators
    inner join annualisation
        on indicators.customer_id = annualisation.customer_id
    cross join standardisation

),

transformed as (

    select
        *,
        case transform_name
            when 'signed_log1p' then sign(input_value) * ln(1 + abs(input_value))
            when 'log1p' then ln(1 + input_value)
            when 'none' then input_value
        end as transformed_value
    from raw_inputs

),

-- Silent traps stop the build instead: a null input without a configured fill would drop out
-- of the sums that score a customer, a value outside its transform's domain (log1p of a
-- negative, or an infinite/NaN value) would give a NaN score, and a NaN row goes to the top
-- group with a null distance. Each names the inputs and how many customers (of those the
-- model scores: closed accounts and outliers get their segment by rule).
problem_counts as (

    select
        scheme,
        input_name,
        transform_name,
        count(distinct case when input_value is null then customer_id end) as null_customers,
        count(
            distinct case
                when isnan(input_value) or isinf(input_value) then customer_id
                when transform_name = 'log1p' and input_value < 0 then customer_id
            end
        ) as domain_customers
    from transformed
    where is_model_scored
    group by scheme, input_name, transform_name

),

problems as (

    select
        string_agg(
            case
                when null_customers > 0
                    then
                        'scheme ' || scheme || ' input ' || input_name || ': '
                        || cast(null_customers as varchar) || ' customer(s)'
            end,
            '; ' order by scheme, input_name
        ) as null_inputs,
        string_agg(
            case
                when domain_customers > 0
                    then
                        'scheme ' || scheme || ' input ' || input_name || ' (' || transform_name
                        || '): ' || cast(domain_customers as varchar) || ' customer(s)'
            end,
            '; ' order by scheme, input_name
        ) as domain_inputs
    from problem_counts

),

checked as (

    select
        case
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

),

final as (

    select
        transformed.customer_id,
        transformed.scheme,
        transformed.model_id,
        transformed.input_name,
        transformed.annualisation_factor,
        transformed.input_value,
        transformed.transformed_value,
        (transformed.transformed_value - transformed.mean_value) / transformed.std_value
            as z_score
    from transformed
    cross join checked
    -- input_error is null unless the check above stops the query
    where checked.input_error is null

)

select * from final
