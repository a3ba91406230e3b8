{#
    Generated from src/broker_segments/segmentation/artifacts.yml (make generate):
    edit the registry.

    The artifact catalogue as the diagnostics read it: per artifact a diagnostics model shows,
    what its row_key and column_keys are called there and their SQL types (the registry's
    `diagnostics`, whose two shapes, a table and a matrix, it describes). artifact_table()
    renders each diagnostics model from it. A literal (no call, no variable): the tests read
    it with plain Jinja. Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro artifact_catalogue() %}
    {{ return({
        'standardisation': {
            'row_key': ['input_name', 'varchar'],
            'columns': [
                ['position', 'double'],
                ['mean', 'double'],
                ['std', 'double'],
                ['null_fill', 'double'],
                ['transform', 'varchar'],
            ],
        },
        'input_reference_bin': {
            'row_key': ['input_bin', 'varchar'],
            'columns': [
                ['bin', 'integer'],
                ['lower_edge', 'double'],
                ['upper_edge', 'double'],
                ['fit_share', 'double'],
            ],
        },
        'kmo': {
            'row_key': ['input_name', 'varchar'],
            'columns': [
                ['kmo', 'double'],
            ],
        },
        'bartlett': {
            'row_key': ['test_name', 'varchar'],
            'columns': [
                ['chi_square', 'double'],
                ['df', 'double'],
                ['p_value', 'double'],
                ['n', 'double'],
            ],
        },
        'communality': {
            'row_key': ['input_name', 'varchar'],
            'columns': [
                ['initial', 'double'],
                ['extraction', 'double'],
            ],
        },
        'variance_explained': {
            'row_key': ['component', 'integer'],
            'columns': [
                ['initial_eigenvalue', 'double'],
                ['initial_pct_variance', 'double'],
                ['initial_cum_pct', 'double'],
                ['extraction_ss_loadings', 'double'],
                ['extraction_pct_variance', 'double'],
                ['extraction_cum_pct', 'double'],
                ['rotation_ss_loadings', 'double'],
                ['rotation_pct_variance', 'double'],
                ['rotation_cum_pct', 'double'],
            ],
        },
        'unrotated_loading': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['factor', 'varchar'],
            'value': ['unrotated_loading', 'double'],
        },
        'rotated_loading': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['factor', 'varchar'],
            'value': ['rotated_loading', 'double'],
        },
        'factor_score_coefficient': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['factor', 'varchar'],
            'value': ['coefficient', 'double'],
        },
        'correlation_matrix': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['other_input_name', 'varchar'],
            'value': ['correlation_coefficient', 'double'],
        },
        'anti_image_covariance': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['other_input_name', 'varchar'],
            'value': ['anti_image_covariance', 'double'],
        },
        'anti_image_correlation': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['other_input_name', 'varchar'],
            'value': ['anti_image_correlation', 'double'],
        },
        'reproduced_correlation': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['other_input_name', 'varchar'],
            'value': ['reproduced_correlation', 'double'],
        },
        'residual_correlation': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['other_input_name', 'varchar'],
            'value': ['residual', 'double'],
        },
        'factor_summary': {
            'row_key': ['summary_key', 'varchar'],
            'columns': [
                ['determinant', 'double'],
                ['large_residual_pct', 'double'],
                ['rotation_sweeps', 'integer'],
            ],
        },
        'component_transformation': {
            'row_key': ['unrotated_factor', 'varchar'],
            'column_key': ['rotated_factor', 'varchar'],
            'value': ['coefficient', 'double'],
        },
        'rotation_iteration': {
            'row_key': ['sweep', 'integer'],
            'columns': [
                ['criterion', 'double'],
                ['max_angle', 'double'],
            ],
        },
        'cluster_centre': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['model_variable', 'varchar'],
            'value': ['centre', 'double'],
        },
        'initial_cluster_centre': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['model_variable', 'varchar'],
            'value': ['initial_centre', 'double'],
        },
        'kmeans_iteration': {
            'row_key': ['iteration_segment', 'varchar'],
            'column_key': ['statistic', 'varchar'],
            'value': ['value', 'double'],
        },
        'cluster_profile': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['indicator', 'varchar'],
            'value': ['mean_value', 'double'],
        },
        'cluster_median_profile': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['indicator', 'varchar'],
            'value': ['median_value', 'double'],
        },
        'cluster_size': {
            'row_key': ['segment_code', 'varchar'],
            'columns': [
                ['n', 'double'],
                ['pct', 'double'],
                ['kmeans_cluster_number', 'double'],
            ],
        },
        'segment_naming': {
            'row_key': ['segment_code', 'varchar'],
            'columns': [
                ['naming_step', 'double'],
                ['sort_order', 'double'],
                ['ambiguous', 'integer'],
                ['ambiguity_group', 'integer'],
                ['segment_name', 'varchar'],
                ['segment_name_zh', 'varchar'],
                ['criterion', 'varchar'],
                ['naming_method', 'varchar'],
                ['rule_segment_code', 'varchar'],
            ],
        },
        'previous_model_match': {
            'row_key': ['segment_code', 'varchar'],
            'columns': [
                ['previous_segment_code', 'varchar'],
                ['match_distance', 'double'],
            ],
        },
        'centre_distance': {
            'row_key': ['from_segment_code', 'varchar'],
            'column_key': ['to_segment_code', 'varchar'],
            'value': ['distance', 'double'],
        },
        'anova': {
            'row_key': ['model_variable', 'varchar'],
            'columns': [
                ['ss_between', 'double'],
                ['df_between', 'double'],
                ['ms_between', 'double'],
                ['ss_within', 'double'],
                ['df_within', 'double'],
                ['ms_within', 'double'],
                ['f', 'double'],
                ['p_value', 'double'],
            ],
        },
        'classification_function': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['term', 'varchar'],
            'value': ['coefficient', 'double'],
        },
        'assignment_function': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['term', 'varchar'],
            'value': ['coefficient', 'double'],
        },
        'hit_rate': {
            'row_key': ['validation_method', 'varchar'],
            'column_key': ['segment_code', 'varchar'],
            'value': ['hit_rate', 'double'],
        },
        'classification_result': {
            'row_key': ['method_segment', 'varchar'],
            'column_key': ['predicted_segment_code', 'varchar'],
            'value': ['customer_count', 'bigint'],
        },
        'discriminant_function': {
            'row_key': ['discriminant_function', 'integer'],
            'columns': [
                ['eigenvalue', 'double'],
                ['pct_variance', 'double'],
                ['cum_pct', 'double'],
                ['canonical_correlation', 'double'],
                ['wilks_lambda', 'double'],
                ['chi_square', 'double'],
                ['df', 'integer'],
                ['p_value', 'double'],
            ],
        },
        'group_statistic': {
            'row_key': ['group_input', 'varchar'],
            'columns': [
                ['mean', 'double'],
                ['std', 'double'],
                ['n', 'bigint'],
            ],
        },
        'group_means_test': {
            'row_key': ['input_name', 'varchar'],
            'columns': [
                ['wilks_lambda', 'double'],
                ['f', 'double'],
                ['df1', 'integer'],
                ['df2', 'bigint'],
                ['p_value', 'double'],
            ],
        },
        'box_m_test': {
            'row_key': ['test', 'varchar'],
            'columns': [
                ['box_m', 'double'],
                ['f', 'double'],
                ['df1', 'integer'],
                ['df2', 'double'],
                ['p_value', 'double'],
                ['groups_used', 'integer'],
                ['note', 'varchar'],
            ],
            'optional': ['note'],
        },
        'log_determinant': {
            'row_key': ['segment_code', 'varchar'],
            'columns': [
                ['rank', 'integer'],
                ['log_determinant', 'double'],
            ],
        },
        'canonical_coefficient': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['discriminant_function', 'integer'],
            'value': ['standardised_coefficient', 'double'],
        },
        'structure_matrix': {
            'row_key': ['input_name', 'varchar'],
            'column_key': ['discriminant_function', 'integer'],
            'value': ['structure_correlation', 'double'],
        },
        'group_centroid': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['discriminant_function', 'integer'],
            'value': ['centroid', 'double'],
        },
        'group_prior': {
            'row_key': ['segment_code', 'varchar'],
            'columns': [
                ['prior', 'double'],
                ['n', 'bigint'],
            ],
        },
        'twin_standardisation': {
            'row_key': ['input_name', 'varchar'],
            'columns': [
                ['position', 'double'],
                ['mean', 'double'],
                ['std', 'double'],
                ['null_fill', 'double'],
                ['transform', 'varchar'],
            ],
        },
        'twin_function': {
            'row_key': ['segment_code', 'varchar'],
            'column_key': ['term', 'varchar'],
            'value': ['coefficient', 'double'],
        },
        'k_selection': {
            'row_key': ['k', 'integer'],
            'columns': [
                ['inertia', 'double'],
                ['silhouette', 'double'],
                ['calinski_harabasz', 'double'],
                ['davies_bouldin', 'double'],
                ['sample_size', 'bigint'],
                ['silhouette_sample_size', 'bigint'],
                ['stability_ari_mean', 'double'],
                ['stability_ari_std', 'double'],
                ['stability_resamples', 'integer'],
            ],
        },
        'model_run': {
            'row_key': ['run_key', 'varchar'],
            'columns': [
                ['fitted_at_utc', 'varchar'],
                ['n_rows', 'bigint'],
                ['n_fit_sample', 'bigint'],
                ['n_inputs', 'integer'],
                ['n_dropped_inputs', 'integer'],
                ['n_factors', 'integer'],
                ['k', 'integer'],
                ['kmo', 'double'],
                ['low_adequacy', 'double'],
                ['cumulative_variance_pct', 'double'],
                ['inertia', 'double'],
                ['cv_hit_rate', 'double'],
                ['resubstitution_hit_rate', 'double'],
                ['random_seed', 'bigint'],
                ['n_init', 'integer'],
                ['fit_seconds', 'double'],
                ['kmeans_label_mismatches', 'bigint'],
                ['codes_matched_to_previous', 'integer'],
                ['kmeans_iterations', 'integer'],
                ['min_initial_centre_distance', 'double'],
                ['model_variables', 'varchar'],
                ['segment_codes', 'varchar'],
                ['config', 'varchar'],
                ['vars', 'varchar'],
                ['package_version', 'varchar'],
                ['warnings', 'varchar'],
                ['previous_model_id', 'varchar'],
            ],
            'optional': ['vars'],
            'not_shown': ['as_of_date'],
        },
    }) }}
{% endmacro %}
