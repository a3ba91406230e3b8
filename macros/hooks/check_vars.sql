{#
    Runs before every build (on-run-start), before anything is read: every var of
    dbt_project.yml is checked once for its type and range, and a bad one stops the run with
    one message naming every bad var at once (otherwise "abc" for lookback_days fails deep
    inside a test, and a user fixes one var per run). A var
    passed with --vars that the project does not know (a typo such as `k`) warns: dbt would
    ignore it silently.
    project_vars() is the list of dbt_project.yml's vars (tests/python/test_hostile_settings.py
    checks they are the same). exchange_timezone and max_plausible_amount_cny, which reach SQL
    as literals, are checked with the raw sources (check_raw_sources).
#}
{% macro project_vars() %}
    {{ return([
        'max_quarantine_share', 'freshness_warn_after_days', 'freshness_error_after_days',
        'freshness_run_date', 'exchange_timezone', 'max_plausible_amount_cny',
        'per_day_batch_size', 'test_full_history', 'min_trading_day_coverage', 'as_of_date',
        'lookback_days', 'interest_margin_rate', 'min_open_trading_days',
        'outlier_min_avg_daily_assets', 'outlier_min_annual_trade_volume',
        'outlier_max_customer_contribution', 'segmentation_refit', 'migration_from_date',
        'migration_to_date', 'scheme_a_n_factors', 'scheme_a_k', 'scheme_b_k',
        'segmentation_n_init', 'segmentation_seed', 'segmentation_k_range',
        'segmentation_fit_sample_size', 'segmentation_stability_resamples',
        'segmentation_min_cluster_share',
        'new_customer_annualise', 'new_customer_unmeasured_inputs', 'new_customer_placement',
        'new_customer_twin_inputs', 'new_customer_twin_priors', 'segmentation_priors',
        'drift_psi_warn', 'drift_psi_refit', 'drift_psi_min_share',
        'explanation_borderline_margin_share', 'points_scheme', 'service_plan_scheme',
        'professional_investor_min_assets_cny', 'professional_investor_min_account_years'
    ]) }}
{% endmacro %}

{# The message for a bad var, "var <name> is <value>: <expected> (see ...)"; check_vars
   collects them and stops the run once, naming every bad var. #}
{% macro _bad_var(name, value, expected) %}
    {{ return(
        "var " ~ name ~ " is " ~ (value | tojson if value is string else value)
        ~ ": " ~ expected ~ " (see its comment in dbt_project.yml)"
    ) }}
{% endmacro %}

{# The var as a number (numbers and numeric text), else none. #}
{% macro _as_number(value) %}
    {% if value is boolean or value is none %}
        {{ return(none) }}
    {% elif value is number %}
        {{ return(value) }}
    {% elif value is string and modules.re.fullmatch('\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*', value) %}
        {{ return(value | float) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{% macro _check_number(name, low=none, high=none, integer=false, optional=false) %}
    {% set value = var(name) %}
    {% if optional and value is none %}{{ return(none) }}{% endif %}
    {% set number = broker_segments._as_number(value) %}
    {% set kind = 'an integer' if integer else 'a number' %}
    {% set bounds = (' >= ' ~ low if low is not none else '') ~ (' and <= ' ~ high if high is not none else '') %}
    {% set expected = 'must be ' ~ kind ~ bounds ~ (' or null' if optional else '') %}
    {% if number is none
        or (integer and (number | float) != ((number | float) | round(0, 'floor')))
        or (low is not none and number < low)
        or (high is not none and number > high) %}
        {{ return(broker_segments._bad_var(name, value, expected)) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{% macro _check_date(name) %}
    {% set value = var(name) %}
    {% if value is none %}{{ return(none) }}{% endif %}
    {% set text = value if value is string else (value.isoformat() if value.isoformat is defined else '') %}
    {% set ok = modules.re.fullmatch('\d{4}-\d{2}-\d{2}', text) %}
    {% if ok %}
        {% set ok = broker_segments._parses_as_date(text) %}
    {% endif %}
    {% if not ok %}
        {{ return(broker_segments._bad_var(name, value, "must be a date 'YYYY-MM-DD' or null")) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{% macro _parses_as_date(text) %}
    {% set parts = text.split('-') | map('int') | list %}
    {% set days = [31, 29 if parts[0] % 4 == 0 and (parts[0] % 100 != 0 or parts[0] % 400 == 0) else 28,
                   31, 30, 31, 30, 31, 31, 30, 31, 30, 31] %}
    {{ return(1 <= parts[1] <= 12 and 1 <= parts[2] <= days[parts[1] - 1]) }}
{% endmacro %}

{% macro _check_choice(name, choices) %}
    {% set value = var(name) %}
    {% set text = (value | string | lower) if value is boolean else (value | string) %}
    {% if value is none or text not in choices %}
        {{ return(broker_segments._bad_var(name, value, 'must be one of ' ~ choices | join(', '))) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{% macro check_vars() %}
    {% if execute %}
        {% set errors = [] %}
        {% do errors.append(broker_segments._check_number('max_quarantine_share', 0, 1)) %}
        {% do errors.append(broker_segments._check_number('freshness_warn_after_days', 0, integer=true)) %}
        {% do errors.append(broker_segments._check_number('freshness_error_after_days', broker_segments._as_number(var('freshness_warn_after_days')), integer=true)) %}
        {% for name in ['freshness_run_date', 'as_of_date',
                        'migration_from_date', 'migration_to_date'] %}
            {% do errors.append(broker_segments._check_date(name)) %}
        {% endfor %}
        {% set migration_from = var('migration_from_date') | string %}
        {% set migration_to = var('migration_to_date') | string %}
        {% if var('migration_from_date') is not none and var('migration_to_date') is not none
            and migration_from >= migration_to %}
            {% do errors.append(broker_segments._bad_var('migration_from_date', var('migration_from_date'),
                'must be before migration_to_date (' ~ migration_to ~ ')')) %}
        {% endif %}
        {% do errors.append(broker_segments._check_choice('per_day_batch_size', ['day', 'month', 'year'])) %}
        {% do errors.append(broker_segments._check_choice('test_full_history', ['true', 'false'])) %}
        {% do errors.append(broker_segments._check_number('min_trading_day_coverage', 0, 1)) %}
        {% do errors.append(broker_segments._check_number('lookback_days', 1, integer=true)) %}
        {% do errors.append(broker_segments._check_number('interest_margin_rate', 0, 1)) %}
        {% do errors.append(broker_segments._check_number('min_open_trading_days', 0, integer=true)) %}
        {% do errors.append(broker_segments._check_number('outlier_min_avg_daily_assets', 0)) %}
        {% do errors.append(broker_segments._check_number('outlier_min_annual_trade_volume', 0)) %}
        {% do errors.append(broker_segments._check_number('outlier_max_customer_contribution', 0)) %}
        {% do errors.append(broker_segments._check_choice('segmentation_refit', ['auto', 'true', 'false'])) %}
        {% do errors.append(broker_segments._check_number('scheme_a_n_factors', 1, 13, integer=true, optional=true)) %}
        {% do errors.append(broker_segments._check_number('scheme_a_k', 2, integer=true)) %}
        {% do errors.append(broker_segments._check_number('scheme_b_k', 2, integer=true)) %}
        {% do errors.append(broker_segments._check_number('segmentation_n_init', 1, integer=true)) %}
        {% do errors.append(broker_segments._check_number('segmentation_seed', 0, integer=true)) %}
        {% set k_range = var('segmentation_k_range') %}
        {% if k_range is none or (k_range is string and not modules.re.fullmatch('\s*\d+\s*(\.\.|-|:)\s*\d+\s*|\s*\d+(\s*,\s*\d+)*\s*', k_range)) %}
            {% do errors.append(broker_segments._bad_var('segmentation_k_range', k_range, "must look like '2..10' or '2,3,4'")) %}
        {% elif k_range is string %}
            {% set ks = modules.re.findall('\d+', k_range) | map('int') | list %}
            {% set is_range = modules.re.search('\.\.|-|:', k_range) %}
            {% if is_range and ks[0] > ks[1] %}
                {% do errors.append(broker_segments._bad_var('segmentation_k_range', k_range, "must run from low to high, e.g. '2..10'")) %}
            {% elif ks | min < 2 %}
                {% do errors.append(broker_segments._bad_var('segmentation_k_range', k_range, "must hold k >= 2 only, e.g. '2..10'")) %}
            {% endif %}
        {% endif %}
        {% do errors.append(broker_segments._check_number('segmentation_fit_sample_size', 2, integer=true, optional=true)) %}
        {% do errors.append(broker_segments._check_number('segmentation_stability_resamples', 0, integer=true)) %}
        {# below one half: two clusters can meet it (1/k or more stops the fit, naming the sizes) #}
        {% set min_share = broker_segments._as_number(var('segmentation_min_cluster_share')) %}
        {% if min_share is none or not (0 <= min_share < 0.5) %}
            {% do errors.append(broker_segments._bad_var('segmentation_min_cluster_share', var('segmentation_min_cluster_share'),
                'must be a number >= 0 and below 0.5')) %}
        {% endif %}
        {% do errors.append(broker_segments._check_choice('new_customer_annualise', ['true', 'false'])) %}
        {% set unmeasured = var('new_customer_unmeasured_inputs') %}
        {% if unmeasured is string or unmeasured is not iterable or unmeasured is mapping
            or (unmeasured | reject('in', broker_segments.indicator_columns()) | list) %}
            {% do errors.append(broker_segments._bad_var('new_customer_unmeasured_inputs', unmeasured,
                'must be a list of indicators of indicator_columns(), e.g. [account_age_years]')) %}
        {% endif %}
        {% do errors.append(broker_segments._check_choice('new_customer_placement', ['twins', 'nearest_centre'])) %}
        {% set twin_inputs = var('new_customer_twin_inputs') %}
        {% if twin_inputs is string or twin_inputs is not iterable or twin_inputs is mapping
            or not twin_inputs
            or (twin_inputs | reject('in', broker_segments.twin_input_columns()) | list)
            or (twin_inputs | unique | list | length) != (twin_inputs | length) %}
            {% do errors.append(broker_segments._bad_var('new_customer_twin_inputs', twin_inputs,
                'must be a non-empty list of distinct indicators of twin_input_columns(), e.g. [annual_commission, trade_count]')) %}
        {% endif %}
        {% do errors.append(broker_segments._check_choice('new_customer_twin_priors', ['equal', 'size'])) %}
        {% do errors.append(broker_segments._check_choice('segmentation_priors', ['equal', 'size'])) %}
        {% do errors.append(broker_segments._check_number('explanation_borderline_margin_share', 0, 1)) %}
        {% do errors.append(broker_segments._check_number('drift_psi_warn', 0)) %}
        {% do errors.append(broker_segments._check_number('drift_psi_refit', 0)) %}
        {% set psi_warn = broker_segments._as_number(var('drift_psi_warn')) %}
        {% set psi_refit = broker_segments._as_number(var('drift_psi_refit')) %}
        {% if psi_warn is not none and psi_refit is not none and not (0 < psi_warn < psi_refit) %}
            {% do errors.append(broker_segments._bad_var('drift_psi_warn', var('drift_psi_warn'),
                'must be above 0 and below drift_psi_refit (' ~ var('drift_psi_refit') ~ ')')) %}
        {% endif %}
        {% set min_share = broker_segments._as_number(var('drift_psi_min_share')) %}
        {% if min_share is none or not (0 < min_share < 1) %}
            {% do errors.append(broker_segments._bad_var('drift_psi_min_share', var('drift_psi_min_share'),
                'must be a number above 0 and below 1')) %}
        {% endif %}
        {% do errors.append(broker_segments._check_choice('points_scheme', ['A', 'B'])) %}
        {% do errors.append(broker_segments._check_choice('service_plan_scheme', ['A', 'B'])) %}
        {% do errors.append(broker_segments._check_number('professional_investor_min_assets_cny', 0)) %}
        {% do errors.append(broker_segments._check_number('professional_investor_min_account_years', 0)) %}
        {% set errors = errors | reject('none') | list %}
        {% if errors %}
            {{ exceptions.raise_compiler_error(
                (errors | length) ~ " bad var" ~ ('s' if errors | length > 1 else '') ~ ":\n  "
                ~ errors | join('\n  ')
            ) }}
        {% endif %}

        {% set given = invocation_args_dict.get('vars') or {} %}
        {% if given is string %}{% set given = fromyaml(given) or {} %}{% endif %}
        {% set unknown = given.keys() | reject('in', broker_segments.project_vars()) | list %}
        {% if unknown %}
            {% do exceptions.warn(
                "--vars " ~ unknown | join(', ') ~ ": not a var of this project, ignored. "
                ~ "The vars are listed in dbt_project.yml (vars:)."
            ) %}
        {% endif %}
    {% endif %}
{% endmacro %}
